// The controller storing in gcs, grafeas and archivista together (each against its loopback
// server, through the lazily loaded backends the controller command registers): all stored,
// one failing retried without storing the others again, an unreachable one failing the run.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InMemoryArtifactStore } from "../../src/adapters/memory/in-memory-artifact-store.ts";
import { httpArtifactStores } from "../../src/adapters/storage/http-artifact-stores.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { passMetric } from "../../src/app/lifecycle/pass-metrics.ts";
import { runKey } from "../../src/domain/run/run-ref.ts";
import { type ArchivistaServer, startArchivistaServer } from "../support/archivista-server.ts";
import { type GcsJsonApiServer, startGcsJsonApiServer } from "../support/gcs-json-api-server.ts";
import { type GrafeasApiServer, startGrafeasApiServer } from "../support/grafeas-api-server.ts";
import { tokenFile } from "./storage-fixtures.ts";

let gcs: GcsJsonApiServer;
let grafeas: GrafeasApiServer;
let archivista: ArchivistaServer;
let chains: EmbeddedChains | undefined;
beforeAll(async () => {
  [gcs, grafeas, archivista] = await Promise.all([startGcsJsonApiServer(), startGrafeasApiServer(), startArchivistaServer()]);
});
afterAll(() => Promise.all([gcs.close(), grafeas.close(), archivista.close()]));
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

const startWith = (project: string, archivistaUrl: string) => {
  const token = gcs.tokens.issue();
  grafeas.tokens.accept(token);
  return EmbeddedChains.start({
    config: {
      "artifacts.taskrun.storage": "tekton,gcs,grafeas,archivista",
      "artifacts.oci.storage": "gcs,grafeas",
      "storage.gcs.bucket": project,
      "storage.grafeas.projectid": project,
      "storage.archivista.url": archivistaUrl,
    },
    stores: [
      new InMemoryArtifactStore("oci"),
      ...httpArtifactStores({
        STORAGE_EMULATOR_HOST: gcs.host,
        CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS: grafeas.endpoint,
        CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile(token),
      }),
    ],
  });
};

const uploadsTo = (bucket: string) => gcs.uploads.filter((name) => name.startsWith(`${bucket}/`));
const occurrencesIn = async (project: string) => grafeas.listOccurrences(project, grafeas.tokens.issue());

describe("controller with gcs, grafeas and archivista", () => {
  it("stores provenance in all three and the image signature in gcs and grafeas, and counts per backend", async () => {
    chains = await startWith("all-ok", archivista.url);
    const uploadsBefore = archivista.uploads.length;
    const ref = chains.createRun(sampleRuns().taskRuns[0]!);
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("true");
    // Two objects (provenance, image signature), four files each.
    expect(uploadsTo("all-ok")).toHaveLength(8);
    expect(uploadsTo("all-ok").filter((name) => name.includes(`/taskrun-${ref.namespace}-${ref.name}/`))).toHaveLength(8);
    const kinds = (await occurrencesIn("all-ok")).map((o) => o["kind"]);
    expect(kinds).toContain("ATTESTATION");
    expect(kinds).toContain("BUILD");
    expect(archivista.uploads.length - uploadsBefore).toBe(1);
    expect(chains.metrics.value(passMetric.backendStored, { backend: "gcs" })).toBe(2);
    expect(chains.metrics.value(passMetric.backendStored, { backend: "grafeas" })).toBe(2);
    expect(chains.metrics.value(passMetric.backendStored, { backend: "archivista" })).toBe(1);
  });

  it("retries only the backend that failed: the others are not written again (defect #11)", async () => {
    chains = await startWith("one-fails", archivista.url);
    const uploadsBefore = archivista.uploads.length;
    archivista.failUploads(1);
    const ref = chains.createRun(sampleRuns().taskRuns[0]!);
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("true");
    expect(archivista.uploads.length - uploadsBefore).toBe(1);
    expect(uploadsTo("one-fails")).toHaveLength(8);
    const occurrences = await occurrencesIn("one-fails");
    expect(new Set(occurrences.map((o) => `${String(o["noteName"])} ${String(o["resourceUri"])}`)).size).toBe(occurrences.length);
    expect(chains.metrics.value(passMetric.backendErrors, { backend: "archivista" })).toBe(1);
    expect(chains.metrics.value(passMetric.backendErrors, { backend: "gcs" })).toBe(0);
  });

  it.each([
    ["unreachable", "http://127.0.0.1:9", "127.0.0.1:9"],
    ["no-url", "", "storage.archivista.url is not set"],
    ["bad-url", "archivista.example:8082", "is not an http(s) URL"],
  ])("fails the run with an Event naming archivista (%s); nothing is marked signed, the others stored once", async (bucket, url, reason) => {
    chains = await startWith(bucket, url);
    const ref = chains.createRun(sampleRuns().taskRuns[0]!);
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref, 30_000)).toBe("failed");
    expect(chains.annotations(ref)["chains.tekton.dev/signed"]).toBe("failed");
    const events = chains.cluster.events().filter((e) => runKey(e.ref) === runKey(ref));
    const retries = chains.cluster.writes(ref).map((w) => w.write.annotations?.["chains.tekton.dev/retries"]).filter((r) => r !== undefined);
    expect(retries.length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === "Warning" && e.message.includes("archivista") && e.message.includes(reason))).toBe(true);
    expect(uploadsTo(bucket)).toHaveLength(8);
    expect(chains.metrics.value(passMetric.backendErrors, { backend: "archivista" })).toBeGreaterThan(1);
  });
});
