import { spawnSync } from "node:child_process";
import { Effect, Result } from "effect";
import { expect, it } from "vitest";
import { InMemoryArtifactStore } from "../../src/adapters/memory/in-memory-artifact-store.ts";
import { lazyArtifactStore } from "../../src/adapters/storage/lazy-artifact-store.ts";
import { attestation, runOf, statementOf } from "./storage-fixtures.ts";

const request = { run: runOf("TaskRun", "ns", "r"), artifact: attestation(statementOf("https://slsa.dev/provenance/v0.2", [])) };

it("loads a backend on its first store only, once, and tries again after a failed load", async () => {
  const backend = new InMemoryArtifactStore("gcs");
  let loads = 0;
  let failLoad = true;
  const store = lazyArtifactStore("gcs", async () => {
    loads += 1;
    if (failLoad) throw new Error("Cannot find package '@google-cloud/storage'");
    return backend;
  });
  expect(loads).toBe(0);
  const failed = await Effect.runPromise(Effect.result(store.store(request)));
  expect(Result.isFailure(failed) ? failed.failure.reason : "stored").toBe(
    "cannot load the gcs backend: Cannot find package '@google-cloud/storage'",
  );
  failLoad = false;
  await Effect.runPromise(store.store(request));
  await Effect.runPromise(store.store(request));
  expect(loads).toBe(2);
  expect(backend.stored()).toHaveLength(2);
});

// What loading the controller command and building its adapters resolves: it registers the gcs
// backend, but neither the backend's module nor the Cloud Storage client is loaded until a store
// names gcs.
it("does not load the Cloud Storage client when the controller command loads", () => {
  const source = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  const probe = `
    import { registerHooks } from "node:module";
    const seen = [];
    registerHooks({ resolve: (specifier, context, next) => (seen.push(specifier), next(specifier, context)) });
    await import(${source("../../src/app/cli/controller-command.ts")});
    const { kubernetesBackendsLayer } = await import(${source("../../src/app/composition/layers.ts")});
    const { KubernetesConnection } = await import(${source("../../src/adapters/kubernetes/kubernetes-connection.ts")});
    const { ConfigInForce } = await import(${source("../../src/app/composition/controller-config.ts")});
    const { Effect, Layer } = await import("effect");
    const cluster = { registryCredentials: () => () => undefined };
    await Effect.runPromise(
      Effect.scoped(Layer.build(kubernetesBackendsLayer({ metrics: {}, env: {}, trustedRoot: undefined, log: () => undefined }))).pipe(
        Effect.provideService(KubernetesConnection, cluster),
        Effect.provideService(ConfigInForce, () => ({})),
      ),
    );
    process.stderr.write(JSON.stringify(seen));
  `;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" });
  const resolved = JSON.parse(result.stderr.slice(result.stderr.lastIndexOf("["))) as Array<string>;
  expect(resolved).toContain("../../adapters/storage/http-artifact-stores.ts");
  expect(resolved.filter((specifier) => specifier.includes("@google-cloud/storage") || specifier.includes("gcs-artifact-store"))).toEqual([]);
});
