import { Effect } from "effect";
import { InjectedFailures } from "../../adapters/memory/injected-failures.ts";
import { ArtifactStores, StorageFailed } from "../../ports/artifact-store.ts";
import { ClusterUnavailable } from "../../ports/cluster.ts";
import { RunWriter } from "../../ports/run-writer.ts";
import { Signers, SigningFailed } from "../../ports/signer.ts";
import { TransparencyLog, TransparencyUploadFailed } from "../../ports/transparency-log.ts";
import type { EffectRunner } from "../lifecycle/lifecycle-steps-on-ports.ts";

export const FAULTY_PORTS = ["cluster", "signer", "store", "tlog"] as const;
export type FaultyPort = (typeof FAULTY_PORTS)[number];

/** The operation of each port that `fail PORT` makes fail: the one a signing pass can see fail. */
export const faultedOperation: Readonly<Record<FaultyPort, string>> = {
  cluster: "the next run write (writeRun)",
  signer: "the next signature (Signer.sign)",
  store: "the next storage write (ArtifactStore.store, any backend)",
  tlog: "the next transparency log upload",
};

const reasonFor = (port: FaultyPort): string => `injected by the REPL ('fail ${port}')`;

/**
 * Failures armed by `fail PORT`, applied by decorating the ports a pass uses; the adapters stay
 * untouched. Each armed failure is consumed by one call of the port's operation.
 */
export class PortFaults {
  readonly #armed: Record<FaultyPort, InjectedFailures> = {
    cluster: new InjectedFailures(),
    signer: new InjectedFailures(),
    store: new InjectedFailures(),
    tlog: new InjectedFailures(),
  };

  /** Adds `times` failures to those already armed for the port. */
  arm(port: FaultyPort, times: number): number {
    const failures = this.#armed[port];
    failures.arm(failures.pending + times, reasonFor(port));
    return failures.pending;
  }

  pending(port: FaultyPort): number {
    return this.#armed[port].pending;
  }

  /** Runs every pass effect with the ports decorated to consume armed failures. */
  decorate(runner: EffectRunner): EffectRunner {
    const armed = this.#armed;
    return {
      runPromise: (effect) =>
        runner.runPromise(
          effect.pipe(
            Effect.updateService(Signers, (signers) => ({
              get: (name) =>
                Effect.map(signers.get(name), (signer) => ({
                  ...signer,
                  sign: (data: Uint8Array) => {
                    const reason = armed.signer.take();
                    return reason === undefined ? signer.sign(data) : Effect.fail(new SigningFailed({ signer: name, reason }));
                  },
                })),
            })),
            Effect.updateService(ArtifactStores, (stores) => ({
              get: (name) =>
                Effect.map(stores.get(name), (store) => ({
                  ...store,
                  store: (request) => {
                    const reason = armed.store.take();
                    return reason === undefined
                      ? store.store(request)
                      : Effect.fail(new StorageFailed({ backend: store.name, artifact: request.artifact.id, reason }));
                  },
                })),
            })),
            Effect.updateService(TransparencyLog, (tlog) => ({
              upload: (entry) => {
                const reason = armed.tlog.take();
                return reason === undefined ? tlog.upload(entry) : Effect.fail(new TransparencyUploadFailed({ reason }));
              },
            })),
            Effect.updateService(RunWriter, (writer) => ({
              writeRun: (ref, write) => {
                const reason = armed.cluster.take();
                return reason === undefined
                  ? writer.writeRun(ref, write)
                  : Effect.fail(new ClusterUnavailable({ operation: "write run", reason }));
              },
            })),
          ),
        ),
    };
  }
}
