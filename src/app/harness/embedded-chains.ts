import { generateKeyPairSync } from "node:crypto";
import { Result } from "effect";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import { InMemoryCluster } from "../../adapters/memory/in-memory-cluster.ts";
import type { InMemoryMetrics } from "../../adapters/memory/in-memory-metrics.ts";
import type { InMemoryTransparencyLog } from "../../adapters/memory/in-memory-transparency-log.ts";
import { completeRun } from "../../adapters/memory/run-completion-mutation.ts";
import type { RunJson } from "../../adapters/memory/run-json.ts";
import { SIGNED_ANNOTATION } from "../../domain/annotations/chains-annotations.ts";
import { type RunRef, runKey } from "../../domain/run/run-ref.ts";
import type { KeylessContext } from "../../adapters/signing/fulcio/keyless-context.ts";
import type { ArtifactStore } from "../../ports/artifact-store.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Timers } from "../../ports/timers.ts";
import { type ArtifactStoreFactory, type InMemoryEnvironment, inMemoryEnvironment, inMemoryParts } from "../composition/layers.ts";
import { startController, type RunningController } from "../composition/start-controller.ts";
import {
  type ControllerHooks,
  type ControllerOptions,
  defaultControllerOptions,
} from "../controller/run-controller.ts";

export interface EmbeddedChainsOptions {
  /** `chains-config` data; missing keys take the reference defaults. */
  readonly config?: Readonly<Record<string, string>>;
  /** `signing-secrets` files; by default a fresh ECDSA P-256 key is generated as `x509.pem`. */
  readonly signingSecrets?: Readonly<Record<string, Uint8Array | string>>;
  /**
   * Storage backends besides `tekton`. By default an in-memory `oci` backend stands in for the
   * registry, so the default config (image signatures in `oci`) works without one.
   */
  readonly stores?: ReadonlyArray<ArtifactStore | ArtifactStoreFactory>;
  readonly controller?: Partial<ControllerOptions>;
  readonly hooks?: ControllerHooks;
  /** Structured JSON logs on stdout; off by default so tests stay quiet. */
  readonly logs?: "json" | "silent";
  /** Reuse a cluster (e.g. to restart a controller over the same runs). */
  readonly cluster?: InMemoryCluster;
  /** Keyless (Fulcio) signing: the clock, trusted root and token sources it uses. */
  readonly keyless?: KeylessContext;
  /**
   * The time the controller waits on (retry, release retry and child-wait delays, config refresh,
   * shutdown grace) and a new cluster and `completeRun` stamp times with. Default: the system's; a
   * `ManualClock` lets a test move time on instead of waiting for it.
   */
  readonly clock?: Clock["Service"] & Timers["Service"];
}

/** Fast retries for embedding: the reference's budget, seconds squeezed into milliseconds. */
const embeddedTiming = { retryDelayMs: 5, maxRetryDelayMs: 50, childWaitMs: 2_000 };

/**
 * chains-ts running in-process over the in-memory cluster: add runs, complete them, await their
 * signing, and read what was written. The same controller as in a cluster, on fakes of the ports.
 */
export class EmbeddedChains {
  readonly cluster: InMemoryCluster;
  readonly metrics: InMemoryMetrics;
  readonly transparencyLog: InMemoryTransparencyLog;
  /** The stores in use besides `tekton`, to inspect what they received. */
  readonly stores: ReadonlyArray<ArtifactStore | ArtifactStoreFactory>;
  /** SPKI PEM of the generated signing key (`""` when `signingSecrets` were given). */
  readonly publicKeyPem: string;
  private readonly options: EmbeddedChainsOptions;
  private readonly environment: InMemoryEnvironment;
  private running: RunningController;

  private constructor(options: EmbeddedChainsOptions, environment: InMemoryEnvironment, publicKeyPem: string, running: RunningController) {
    this.options = options;
    this.environment = environment;
    this.cluster = environment.cluster;
    this.publicKeyPem = publicKeyPem;
    this.running = running;
    this.metrics = environment.metrics;
    this.transparencyLog = environment.transparencyLog;
    this.stores = environment.stores;
  }

  static async start(options: EmbeddedChainsOptions = {}): Promise<EmbeddedChains> {
    const environment = inMemoryEnvironment({
      cluster: options.cluster ?? new InMemoryCluster({ clock: options.clock ?? systemClock }),
      ...(options.stores === undefined ? {} : { stores: options.stores }),
    });
    const { cluster } = environment;
    let publicKeyPem = "";
    if (options.signingSecrets === undefined) {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      cluster.setSecret("x509.pem", privateKey.export({ type: "pkcs8", format: "pem" }).toString());
      publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    } else {
      for (const [name, content] of Object.entries(options.signingSecrets)) cluster.setSecret(name, content);
    }
    if (options.config !== undefined) cluster.setConfig(options.config);
    const running = await EmbeddedChains.launch(options, environment);
    return new EmbeddedChains(options, environment, publicKeyPem, running);
  }

  private static async launch(options: EmbeddedChainsOptions, environment: InMemoryEnvironment): Promise<RunningController> {
    const started = await startController(
      inMemoryParts(environment, { logs: options.logs ?? "silent", keyless: options.keyless }),
      { ...defaultControllerOptions, timing: embeddedTiming, ...(options.clock === undefined ? {} : { timers: options.clock }), ...options.controller },
      options.hooks,
    );
    if (Result.isFailure(started)) throw new Error(`chains-ts did not start: ${started.failure.message}`);
    return started.success;
  }

  /** Adds a run as Tekton Pipelines would create it. */
  createRun(run: RunJson): RunRef {
    const created = this.cluster.createRun(run);
    return { kind: created.kind, namespace: created.metadata.namespace, name: created.metadata.name };
  }

  /** Finishes a run (its `Succeeded` condition and completion time), as Tekton Pipelines does. */
  completeRun(ref: RunRef, succeeded = true): void {
    this.cluster.updateRun(ref, completeRun(succeeded ? "True" : "False", (this.options.clock ?? systemClock).now()));
  }

  annotations(ref: RunRef): Readonly<Record<string, string>> {
    return this.cluster.runAnnotations(ref);
  }

  /**
   * Resolves with `true` or `failed` once the run's `chains.tekton.dev/signed` says so: when the
   * write that sets it is stored, not by polling.
   */
  awaitSigned(ref: RunRef, timeoutMs = 10_000): Promise<"true" | "failed"> {
    const outcome = () => {
      const signed = this.annotations(ref)[SIGNED_ANNOTATION];
      return signed === "true" || signed === "failed" ? signed : undefined;
    };
    const now = outcome();
    if (now !== undefined) return Promise.resolve(now);
    const key = runKey(ref);
    return new Promise((resolve, reject) => {
      const done = () => {
        stopListening();
        clearTimeout(deadline);
      };
      const stopListening = this.cluster.onRunChange((changed) => {
        if (runKey(changed) !== key) return;
        const signed = outcome();
        if (signed === undefined) return;
        done();
        resolve(signed);
      });
      const deadline = setTimeout(() => {
        done();
        reject(new Error(`${ref.kind} ${ref.namespace}/${ref.name} not signed within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  /** The controller's view of a run: its actor's state, or `undefined` when none is in flight. */
  stateOf(ref: RunRef): string | undefined {
    return this.running.controller.stateOf(ref);
  }

  /** Full run objects the controller holds: runs still to be signed and the children they need. */
  heldRunObjects(): number {
    return this.running.controller.heldRunObjects();
  }

  /** Stops the controller and starts a fresh one over the same cluster, as after a crash or upgrade. */
  async restart(): Promise<void> {
    await this.running.stop();
    this.running = await EmbeddedChains.launch(this.options, this.environment);
  }

  async stop(): Promise<void> {
    await this.running.stop();
  }
}
