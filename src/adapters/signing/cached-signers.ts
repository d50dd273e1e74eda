import { Effect } from "effect";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import type { Clock } from "../../ports/clock.ts";
import { systemClock } from "../clock/system-clock.ts";
import { type Signer, type SignerName, type Signers, SignerUnavailable } from "../../ports/signer.ts";
import { buildSigner, type SigningMaterial } from "./signer-registry.ts";

/** Where the signing material comes from: the `signing-secrets` files (with a version that changes
 * whenever they do, e.g. the Secret's resourceVersion) and the current chains-config. */
export interface SigningSource {
  readonly secrets: () => Effect.Effect<{ readonly version: string; readonly files: ReadonlyMap<string, Uint8Array> }, SignerUnavailable>;
  readonly config: () => ChainsConfig;
  /** The clock a signer's `renewAt` is judged by; the system clock by default. */
  readonly clock?: Clock["Service"];
}

export type BuildSigner = (name: SignerName, material: SigningMaterial) => Effect.Effect<Signer, SignerUnavailable>;

/** Where a SignerUnavailable names a chains-config key (`signers.x509.fulcio.enabled`) as its cause. */
const SIGNER_CONFIG_PREFIX = "signers.";

/** The chains-config a signer of this name is built from; any other key changing leaves it cached. */
const relevantConfig = (name: SignerName, config: ChainsConfig): unknown =>
  name === "x509" ? config.signers.x509 : name === "kms" ? config.signers.kms : null;

/**
 * A failed KMS or keyless build may be an outage or a token not yet mounted, which fixes itself,
 * so it is retried on the next request; a failed local key (garbage PEM, wrong password) only
 * changes when the secrets do, so it stays cached and the scrypt work is not repeated every pass.
 */
const failureIsCached = (name: SignerName, config: ChainsConfig): boolean =>
  name === "pgp" || (name === "x509" && !config.signers.x509.fulcio.enabled);

interface Entry {
  readonly stamp: string;
  /** The secrets version and config part last found to match the stamp, to skip re-making it. */
  version: string;
  relevant: unknown;
  readonly signer: Effect.Effect<Signer, SignerUnavailable>;
  /** The built signer's `renewAt`, once it is built. */
  renewAt?: Date;
  /** The signer once built, handed out as is while the entry stays current (every signature asks). */
  built?: Signer;
}

/**
 * The `Signers` service without the reference's per-pass rebuild (reference defect #24): a signer
 * is built the first time a pass asks for its name, shared by concurrent requests while it
 * builds, and rebuilt only when the secrets' version or its own part of chains-config changes.
 * Names nobody asks for are never built. A signer with a `renewAt` (keyless) is rebuilt from then on.
 */
export const makeCachedSigners = (source: SigningSource, build: BuildSigner = buildSigner): Signers["Service"] => {
  const entries = new Map<SignerName, Entry>();
  const clock = source.clock ?? systemClock;

  const currentEntry = (
    name: SignerName,
    secrets: { readonly version: string; readonly files: ReadonlyMap<string, Uint8Array> },
    config: ChainsConfig,
    relevant: unknown,
  ): Effect.Effect<Entry> =>
    Effect.gen(function* () {
      const stamp = JSON.stringify([secrets.version, relevant]);
      // Memoised build, made up front (cheap, discarded if a current entry exists) so that the
      // check-and-insert below is one synchronous step that concurrent fibers cannot interleave.
      const fresh = yield* Effect.cached(Effect.suspend(() => build(name, { secrets: secrets.files, config })));
      return yield* Effect.sync((): Entry => {
        const current = entries.get(name);
        const expired = current?.renewAt !== undefined && clock.now() >= current.renewAt;
        if (current !== undefined && current.stamp === stamp && !expired) {
          current.version = secrets.version;
          current.relevant = relevant;
          return current;
        }
        const created: Entry = { stamp, version: secrets.version, relevant, signer: fresh };
        entries.set(name, created);
        return created;
      });
    });

  const get = (name: SignerName): Effect.Effect<Signer, SignerUnavailable> =>
    Effect.gen(function* () {
      const secrets = yield* source.secrets();
      const config = source.config();
      const relevant = relevantConfig(name, config);
      // The common case, decided without building a stamp: the same secrets version and the very
      // config object the entry was made for, and nothing to renew.
      const known = entries.get(name);
      const current =
        known !== undefined && known.version === secrets.version && known.relevant === relevant && known.renewAt === undefined;
      if (current && known.built !== undefined) return known.built;
      const entry = current ? known : yield* currentEntry(name, secrets, config, relevant);
      return yield* entry.signer.pipe(
        Effect.tap((signer) =>
          Effect.sync(() => {
            entry.renewAt = signer.renewAt;
            entry.built = signer;
          }),
        ),
        Effect.tapError(() =>
          Effect.sync(() => {
            if (!failureIsCached(name, config) && entries.get(name) === entry) entries.delete(name);
          }),
        ),
        // A cached failure caused by the secrets (not by a chains-config key) stays until they
        // change: say which version it belongs to.
        Effect.mapError((error) =>
          failureIsCached(name, config) && !error.source.startsWith(SIGNER_CONFIG_PREFIX)
            ? new SignerUnavailable({ signer: error.signer, source: error.source, reason: error.reason, secretsVersion: secrets.version })
            : error,
        ),
      );
    });

  return { get };
};
