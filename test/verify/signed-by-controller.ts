import { generateKeyPairSync } from "node:crypto";
import { Result } from "effect";
import { InMemoryCluster } from "../../src/adapters/memory/in-memory-cluster.ts";
import { InMemoryMetrics } from "../../src/adapters/memory/in-memory-metrics.ts";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import { makeRekorTransparencyLog } from "../../src/adapters/rekor/rekor-transparency-log.ts";
import { trustedRootFile } from "../../src/adapters/sigstore-trust/trusted-root-file.ts";
import type { KeylessContext } from "../../src/adapters/signing/fulcio/keyless-context.ts";
import { startController } from "../../src/app/composition/start-controller.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { defaultControllerOptions } from "../../src/app/controller/run-controller.ts";
import type { LoopbackSigstore } from "../support/loopback-sigstore.ts";
import { eventually } from "../support/until.ts";

/** A run object as `kubectl get taskrun -o json` would show it after Chains signed it. */
export type SignedRun = { readonly metadata: { readonly uid: string; readonly annotations: Record<string, string> } } & Record<string, unknown>;

export interface SignedRuns {
  readonly runs: ReadonlyArray<SignedRun>;
  /** SPKI PEM of the signing key ("" for keyless). */
  readonly publicKeyPem: string;
}

/**
 * Signs sample TaskRuns with the real controller (in-memory cluster) and the real Rekor adapter
 * logging to the loopback Rekor, checked against its trusted_root.json; keyless through its Fulcio
 * when `keyless` is given. Image signatures go to the run's annotations too (`artifacts.oci.storage: tekton`),
 * so each run carries two signatures.
 */
export const signedByController = async (
  sigstore: LoopbackSigstore,
  options: { readonly count: number; readonly keyless?: KeylessContext; readonly names?: string },
): Promise<SignedRuns> => {
  const cluster = new InMemoryCluster();
  let publicKeyPem = "";
  if (options.keyless === undefined) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    cluster.setSecret("x509.pem", privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  }
  cluster.setConfig({
    "transparency.enabled": "true",
    "transparency.url": sigstore.url,
    "artifacts.oci.storage": "tekton",
    ...(options.keyless === undefined ? {} : { "signers.x509.fulcio.enabled": "true", "signers.x509.fulcio.address": sigstore.url }),
  });
  const started = await startController(
    {
      cluster: cluster.ports(),
      metrics: new InMemoryMetrics(),
      transparencyLog: makeRekorTransparencyLog({ url: () => sigstore.url, trust: trustedRootFile(sigstore.trustedRootPath, "--trusted-root") }),
      stores: [],
      logs: "silent",
      ...(options.keyless === undefined ? {} : { keyless: options.keyless }),
    },
    { ...defaultControllerOptions, timing: { retryDelayMs: 5, maxRetryDelayMs: 50, childWaitMs: 2_000 } },
  );
  if (Result.isFailure(started)) throw new Error(`chains-ts did not start: ${started.failure.message}`);
  try {
    const runs: SignedRun[] = [];
    for (const [i, sample] of sampleRuns().taskRuns.slice(0, options.count).entries()) {
      const run = structuredClone(sample);
      run.metadata.name = `${options.names ?? "signed"}-${i}`;
      const created = cluster.createRun(run);
      const ref = { kind: created.kind, namespace: created.metadata.namespace, name: created.metadata.name };
      cluster.updateRun(ref, completeRun("True", new Date()));
      const signed = await eventually(
        () => cluster.getRun(ref)?.metadata.annotations?.["chains.tekton.dev/signed"],
        (value) => value === "true" || value === "failed",
        `${ref.name} signed`,
      );
      if (signed !== "true") throw new Error(`${ref.name} was not signed (${signed})`);
      runs.push(structuredClone(cluster.getRun(ref)) as unknown as SignedRun);
    }
    return { runs, publicKeyPem };
  } finally {
    await started.success.stop();
  }
};
