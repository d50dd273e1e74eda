import { Duration, Effect, Fiber, Random, Result, Schedule } from "effect";
import type { LeaderElectionTiming } from "../../domain/leader-election/leader-election-config.ts";
import { type LeaseObservation, planLeaseAttempt, releasedRecord } from "../../domain/leader-election/lease-attempt.ts";
import { type ObservedLease, sameRecord } from "../../domain/leader-election/lease-record.ts";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import type { Clock } from "../../ports/clock.ts";
import type { LeaseStore } from "../../ports/lease-store.ts";

export interface LeaseElectorOptions {
  readonly store: LeaseStore["Service"];
  readonly lease: string;
  readonly identity: string;
  readonly timing: LeaderElectionTiming;
  readonly onChange: (leading: boolean) => void;
  readonly log: (level: "info" | "warning", message: string) => void;
  readonly clock?: Clock["Service"];
  /**
   * False: only watch the lease (when it last changed) without seeking it, until `campaign(true)`.
   * A candidate that watched all along knows at once whether a dead holder's lease has run out.
   * Default true.
   */
  readonly campaigning?: boolean;
  /**
   * How long the lease must have been free (absent, released, or run out) before this candidate
   * takes it; asked at each attempt. Default 0. Bucket leadership uses it so that a replica
   * already holding buckets leaves a free one to a replica holding fewer.
   */
  readonly takeoverDelayMs?: () => number;
  /** A write to take the lease failed (another candidate was first, or the API is unreachable). */
  readonly onClaimFailed?: () => void;
}

/** The state an attempt leaves, which decides when the next one comes. */
export type NextAttempt =
  /** `retry()` was called while an attempt was in flight. */
  | { readonly _tag: "AtOnce" }
  | { readonly _tag: "Renew" }
  /** Another candidate holds the lease until `holderExpiresAtMs` (by this candidate's clock), if known. */
  | { readonly _tag: "Acquire"; readonly holderExpiresAtMs: number | undefined };

/**
 * client-go's acquire/renew cadence: the holder renews every retry period; a candidate waits a
 * period jittered up to 1.2 periods, so that replicas started together do not retry in lockstep,
 * but no longer than until the holder's lease runs out. Its waits run on Effect's Clock.
 */
export const leaseRetrySchedule = (retryPeriodMs: number) =>
  Schedule.spaced(Duration.millis(retryPeriodMs)).pipe(
    Schedule.setInputType<NextAttempt>(),
    Schedule.modifyDelay(({ input, now }) => {
      if (input._tag === "AtOnce") return Effect.succeed(Duration.zero);
      if (input._tag === "Renew") return Effect.succeed(Duration.millis(retryPeriodMs));
      const { holderExpiresAtMs } = input;
      return Effect.map(Random.next, (random) => {
        const jittered = retryPeriodMs * (1 + random * 0.2);
        return Duration.millis(holderExpiresAtMs === undefined ? jittered : Math.max(0, Math.min(jittered, holderExpiresAtMs - now)));
      });
    }),
  );

/**
 * Campaigns for one Lease, as client-go's leader elector does: every retry period a candidate
 * tries to acquire it and the holder renews it. A holder that has not renewed for the renew
 * deadline stops leading on its own, before the lease expires for the others. Unlike client-go, a
 * candidate also tries the moment the holder's lease runs out rather than up to a period later.
 */
export class LeaseElector {
  readonly #options: LeaseElectorOptions;
  readonly #now: () => number;
  #leading = false;
  #hasLed = false;
  #campaigning: boolean;
  /** When the other holder's lease runs out by this candidate's clock, if it has one. */
  #holderExpiresAtMs: number | undefined;
  #held: ObservedLease | undefined;
  #observation: LeaseObservation | undefined;
  /** Since when the lease has been missing, by this candidate's clock. */
  #absentSinceMs: number | undefined;
  #claiming = false;
  /** Set by `retry()` while an attempt is in flight: the next one follows at once. */
  #retrySoon = false;
  #attempting = false;
  /** The loop of attempts on `leaseRetrySchedule`; replaced to try again at once. */
  #loop: Fiber.Fiber<unknown> | undefined;
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #inFlight: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: LeaseElectorOptions) {
    this.#options = options;
    const clock = options.clock ?? systemClock;
    this.#now = () => clock.now().getTime();
    this.#campaigning = options.campaigning ?? true;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Writing the lease to take it: counted as held by whoever weighs taking further leases. */
  get claiming(): boolean {
    return this.#claiming;
  }

  /** Tries again now rather than at the time last planned (its takeover delay may have shrunk). */
  retry(): void {
    if (this.#stopped || !this.#campaigning || this.#leading) return;
    this.#retrySoon = true;
    // Never two attempts at once: one in flight schedules the next when it ends.
    if (!this.#attempting) this.#restart();
  }

  start(): void {
    this.#restart();
  }

  /**
   * Stops campaigning. With `release`, a holder hands the lease back so a follower takes over at
   * its next retry; without it (a crash, as tests simulate) the lease runs out by itself.
   */
  async stop(options: { readonly release: boolean }): Promise<void> {
    this.#stopped = true;
    this.#interruptLoop();
    clearTimeout(this.#deadlineTimer);
    await this.#inFlight;
    if (options.release) await this.#handBack();
    else {
      this.#held = undefined;
      this.#setLeading(false);
    }
  }

  /**
   * Starts seeking the lease (at once), or stops: a held lease is handed back and the lease is
   * only watched from then on.
   */
  async campaign(on: boolean): Promise<void> {
    if (this.#stopped || on === this.#campaigning) return;
    this.#campaigning = on;
    await this.#inFlight;
    if (on) this.#restart();
    else await this.#handBack();
  }

  /**
   * Also after stepping down at the renew deadline: the update is conditional on the version last
   * written, so it only clears a lease that still names this candidate.
   */
  async #handBack(): Promise<void> {
    const held = this.#held;
    this.#held = undefined;
    this.#setLeading(false);
    if (held === undefined) return;
    const { store, lease } = this.#options;
    const released = await Effect.runPromise(Effect.result(store.update(lease, releasedRecord(held.record, this.#now()), held.resourceVersion)));
    if (Result.isFailure(released)) this.#options.log("warning", `could not release Lease ${lease}: ${released.failure._tag}`);
    else this.#options.log("info", `released Lease ${lease}`);
  }

  /** Attempts now, then on `leaseRetrySchedule`; the loop it replaces was waiting, not attempting. */
  #restart(): void {
    if (this.#stopped) return;
    this.#interruptLoop();
    // The loop goes on after a failed attempt too, whose rejection `#inFlight` leaves unhandled.
    const attempt = Effect.callback<NextAttempt>((resume) => {
      this.#attempting = true;
      this.#inFlight = this.#attempt().finally(() => {
        this.#attempting = false;
        resume(Effect.sync(() => this.#next()));
      });
    });
    this.#loop = Effect.runFork(Effect.repeat(attempt, leaseRetrySchedule(this.#options.timing.retryPeriodMs)));
  }

  #interruptLoop(): void {
    if (this.#loop !== undefined) Effect.runFork(Fiber.interrupt(this.#loop));
    this.#loop = undefined;
  }

  /** What the wait before the next attempt depends on. */
  #next(): NextAttempt {
    if (this.#retrySoon) return { _tag: "AtOnce" };
    if (this.#leading) return { _tag: "Renew" };
    return { _tag: "Acquire", holderExpiresAtMs: this.#holderExpiresAtMs };
  }

  async #attempt(): Promise<void> {
    const { store, lease, identity, timing } = this.#options;
    this.#holderExpiresAtMs = undefined;
    this.#retrySoon = false;
    const read = await Effect.runPromise(Effect.result(store.read(lease)));
    if (this.#stopped) return;
    if (Result.isFailure(read)) {
      this.#options.log("warning", `cannot read Lease ${lease}: ${read.failure.reason}`);
      return;
    }
    const current = read.success;
    const nowMs = this.#now();
    this.#absentSinceMs = current === undefined ? (this.#absentSinceMs ?? nowMs) : undefined;
    if (current !== undefined && (this.#observation === undefined || !sameRecord(this.#observation.record, current.record))) {
      this.#observation = { record: current.record, observedAtMs: nowMs };
    }
    if (!this.#campaigning) return;
    const attempt = planLeaseAttempt({
      current,
      observation: this.#observation,
      identity,
      leaseDurationSeconds: Math.ceil(timing.leaseDurationMs / 1000),
      nowMs,
    });
    if (attempt._tag === "HeldByOther") {
      if (this.#leading) this.#options.log("warning", `Lease ${lease} is now held by ${attempt.holder}`);
      this.#holderExpiresAtMs = attempt.expiresAtMs;
      this.#held = undefined;
      this.#setLeading(false);
      return;
    }
    const takingOver = current?.record.holderIdentity !== identity;
    if (takingOver) {
      const mayTakeAtMs = this.#freeSinceMs(current, nowMs) + (this.#options.takeoverDelayMs?.() ?? 0);
      if (mayTakeAtMs > nowMs) {
        this.#holderExpiresAtMs = mayTakeAtMs;
        return;
      }
    }
    this.#claiming = takingOver;
    let written;
    try {
      written = await Effect.runPromise(
        Effect.result(attempt._tag === "Create" ? store.create(lease, attempt.record) : store.update(lease, attempt.record, attempt.resourceVersion)),
      );
    } finally {
      // Cleared in the same step that sets `leading` on success, so a claim is never counted twice or not at all.
      this.#claiming = false;
    }
    if (Result.isFailure(written)) {
      if (takingOver) this.#options.onClaimFailed?.();
      // A conflict means another candidate wrote first; the next read tells who holds it.
      if (written.failure._tag === "ClusterUnavailable") this.#options.log("warning", `cannot write Lease ${lease}: ${written.failure.reason}`);
      return;
    }
    this.#held = written.success;
    this.#observation = { record: written.success.record, observedAtMs: nowMs };
    // Stopping or no longer campaigning meanwhile: the lease just written is what they hand back.
    if (this.#stopped || !this.#campaigning) return;
    if (!this.#leading) {
      this.#options.log(
        "info",
        !this.#hasLed && current?.record.holderIdentity === identity
          ? `took Lease ${lease} back as ${identity} from this pod's previous process`
          : `acquired Lease ${lease} as ${identity}`,
      );
    }
    this.#hasLed = true;
    this.#setLeading(true);
    this.#armRenewDeadline();
  }

  /**
   * When the lease, as just read, became free for anyone to take: when it was first seen missing,
   * when its release was first seen, or a lease duration after its holder's last renewal was first
   * seen.
   */
  #freeSinceMs(current: ObservedLease | undefined, nowMs: number): number {
    if (current === undefined) return this.#absentSinceMs ?? nowMs;
    const observedAtMs = this.#observation?.observedAtMs ?? nowMs;
    return current.record.holderIdentity === "" ? observedAtMs : observedAtMs + current.record.leaseDurationSeconds * 1000;
  }

  /** Leadership ends when renewals keep failing, even if a hung request never returns. */
  #armRenewDeadline(): void {
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = setTimeout(() => {
      this.#options.log("warning", `could not renew Lease ${this.#options.lease} within ${this.#options.timing.renewDeadlineMs} ms: stepping down`);
      this.#setLeading(false);
    }, this.#options.timing.renewDeadlineMs);
  }

  #setLeading(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    if (!leading) clearTimeout(this.#deadlineTimer);
    this.#options.onChange(leading);
  }
}
