import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { type SetFields, setVerifiesWithOpenssl, startLoopbackSigstore } from "../support/loopback-sigstore.ts";
import { opensslCertificateKey, opensslChainVerifies, serviceAccountToken, signingCertRequests } from "../fulcio/keyless-fixtures.ts";
import { opensslVerifies } from "../support/independent-verifiers.ts";
import { startArchivistaServer } from "../support/archivista-server.ts";
import { startGcsJsonApiServer } from "../support/gcs-json-api-server.ts";
import { startGrafeasApiServer } from "../support/grafeas-api-server.ts";
import { plainTaskRun } from "./emulated-chains.ts";
import { until } from "../support/until.ts";
import { controllerProcesses, logLines } from "./controller-process.ts";

const cp = controllerProcesses();
const { launch, setUp, temporaryDirectory } = cp;

describe("chains-ts controller with Rekor, Fulcio and storage backends", () => {
  it("signs keyless through Fulcio with the mounted token, logging each signature to Rekor", async () => {
    const sigstore = await startLoopbackSigstore();
    try {
      const dir = temporaryDirectory("chains-keyless-");
      const tokenFile = join(dir, "oidc-token");
      await writeFile(tokenFile, serviceAccountToken(new Date()));
      const { kubeconfig, secrets } = await setUp({
        "transparency.enabled": "true",
        "transparency.url": sigstore.url,
        "signers.x509.fulcio.enabled": "true",
        "signers.x509.fulcio.address": sigstore.url,
        "signers.x509.identity.token.file": tokenFile,
      });
      const e = cp.emulator();
      e.store.seed(plainTaskRun("keyless"));
      e.store.modify("taskruns", "default", "keyless", (o) => completeRun("True", new Date())(o as unknown as RunJson));
      const started = launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets, "--disable-ha", "--trusted-root", sigstore.trustedRootPath]);
      const run = () => e.store.get("taskruns", "default", "keyless")?.["metadata"] as { uid: string; annotations?: Record<string, string> };
      await until(() => run().annotations?.["chains.tekton.dev/signed"] === "true", "the run signed", 60_000);
      cp.lastChild().kill("SIGTERM");
      expect(await started.exited).toBe(0);
      const annotations = run().annotations ?? {};
      const key = `taskrun-${run().uid}`;
      const certificate = Buffer.from(annotations[`chains.tekton.dev/cert-${key}`] ?? "", "base64").toString("utf8");
      expect(opensslChainVerifies(sigstore.caRootPem, certificate, dir)).toBe(true);
      const envelope = JSON.parse(Buffer.from(annotations[`chains.tekton.dev/signature-${key}`] ?? "", "base64").toString("utf8"));
      const statement = Buffer.from(envelope.payload, "base64");
      expect(
        opensslVerifies({
          publicKeyPem: opensslCertificateKey(certificate),
          scheme: "ecdsa-sha256",
          data: preAuthEncoding(envelope.payloadType, statement),
          signature: Buffer.from(envelope.signatures[0].sig, "base64"),
        }),
      ).toBe(true);
      expect(signingCertRequests(sigstore)).toHaveLength(1);
      expect(annotations[`chains.tekton.dev/transparency-${key}`]).toMatch(new RegExp(`^${sigstore.url}/api/v1/log/entries\\?logIndex=\\d+$`));
    } finally {
      await sigstore.close();
    }
  }, 180_000);

  it("logs each signature to Rekor, trusting only --trusted-root (SIGSTORE_TRUSTED_ROOT likewise)", async () => {
    const sigstore = await startLoopbackSigstore();
    try {
      const { kubeconfig, secrets } = await setUp({ "transparency.enabled": "true", "transparency.url": sigstore.url });
      const e = cp.emulator();
      e.store.seed(plainTaskRun("logged"));
      e.store.modify("taskruns", "default", "logged", (o) => completeRun("True", new Date())(o as unknown as RunJson));
      const started = launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets, "--disable-ha", "--trusted-root", sigstore.trustedRootPath]);
      const annotations = () => (e.store.get("taskruns", "default", "logged")?.["metadata"] as { annotations?: Record<string, string> }).annotations ?? {};
      await until(() => annotations()["chains.tekton.dev/signed"] === "true", "the run signed", 60_000);
      cp.lastChild().kill("SIGTERM");
      expect(await started.exited).toBe(0);
      const url = annotations()["chains.tekton.dev/transparency"]!;
      expect(url).toMatch(new RegExp(`^${sigstore.url}/api/v1/log/entries\\?logIndex=\\d+$`));
      const entry = Object.values((await (await fetch(url)).json()) as Record<string, SetFields & { verification: { signedEntryTimestamp: string } }>)[0]!;
      expect(setVerifiesWithOpenssl({ ...entry, signedEntryTimestamp: entry.verification.signedEntryTimestamp }, sigstore.logPublicKeyPem)).toBe(true);

      // A trusted root that does not hold the log's key: the entry is refused, the run retried.
      const other = await startLoopbackSigstore();
      await other.close();
      const otherRoot = join(temporaryDirectory("chains-other-root-"), "trusted_root.json");
      await writeFile(otherRoot, JSON.stringify(other.trustedRoot));
      e.store.seed(plainTaskRun("untrusted"));
      e.store.modify("taskruns", "default", "untrusted", (o) => completeRun("True", new Date())(o as unknown as RunJson));
      const untrusted = launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets, "--disable-ha"], { SIGSTORE_TRUSTED_ROOT: otherRoot });
      await until(() => e.store.list("events", "default").some((ev) => (ev as { reason?: string }).reason === "SigningRetry"), "a SigningRetry Event", 60_000);
      cp.lastChild().kill("SIGTERM");
      expect(await untrusted.exited).toBe(0);
      const retry = e.store.list("events", "default").find((ev) => (ev as { reason?: string }).reason === "SigningRetry") as { message: string };
      expect(retry.message).toMatch(/transparency log upload failed: .*signed by log [0-9a-f]{64}, which the trusted root does not hold/);
      const refused = (e.store.get("taskruns", "default", "untrusted")?.["metadata"] as { annotations?: Record<string, string> }).annotations ?? {};
      expect(refused["chains.tekton.dev/signed"]).toBeUndefined();
      expect(refused["chains.tekton.dev/transparency"]).toBeUndefined();
    } finally {
      await sigstore.close();
    }
  }, 180_000);

  it("stores in gcs, grafeas and archivista named in the config, and retries with an Event when archivista is unreachable", async () => {
    const [gcs, grafeas, archivista] = await Promise.all([startGcsJsonApiServer(), startGrafeasApiServer(), startArchivistaServer()]);
    try {
      const config = {
        "artifacts.taskrun.storage": "tekton,gcs,grafeas,archivista",
        "storage.gcs.bucket": "provenance",
        "storage.grafeas.projectid": "project",
        "storage.archivista.url": archivista.url,
      };
      const { kubeconfig, secrets } = await setUp(config);
      const e = cp.emulator();
      const token = gcs.tokens.issue();
      grafeas.tokens.accept(token);
      const tokenFile = join(temporaryDirectory("chains-token-"), "token");
      await writeFile(tokenFile, token);
      const env = {
        STORAGE_EMULATOR_HOST: gcs.host,
        CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS: grafeas.endpoint,
        CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile,
      };
      const args = ["--kubeconfig", kubeconfig, "--signing-secrets", secrets, "--disable-ha"];
      const annotationsOf = (name: string) =>
        (e.store.get("taskruns", "default", name)?.["metadata"] as { annotations?: Record<string, string> }).annotations ?? {};
      e.store.seed(plainTaskRun("stored"));
      e.store.modify("taskruns", "default", "stored", (o) => completeRun("True", new Date())(o as unknown as RunJson));
      const started = launch(args, env);
      await until(() => annotationsOf("stored")["chains.tekton.dev/signed"] === "true", "the run signed", 60_000);
      cp.lastChild().kill("SIGTERM");
      expect(await started.exited).toBe(0);
      expect(gcs.uploads.filter((name) => name.startsWith("provenance/taskrun-default-stored/"))).toHaveLength(4);
      expect(grafeas.notes.has("projects/project/notes/tekton-default-taskrun-intoto")).toBe(true);
      expect(archivista.uploads).toHaveLength(1);
      expect(logLines(started.stdout()).some((line) => line.message.includes(`gitoid ${archivista.uploads[0]!.gitoid}`))).toBe(true);

      e.store.modify("configmaps", "tekton-chains", "chains-config", (o) => {
        o["data"] = { ...config, "storage.archivista.url": "http://127.0.0.1:9" };
      });
      e.store.seed(plainTaskRun("unreachable"));
      e.store.modify("taskruns", "default", "unreachable", (o) => completeRun("True", new Date())(o as unknown as RunJson));
      const retrying = launch(args, env);
      const retryEvent = () =>
        e.store.list("events", "default").find((ev) => (ev as { reason?: string }).reason === "SigningRetry") as { message: string } | undefined;
      await until(() => retryEvent() !== undefined, "a SigningRetry Event", 60_000);
      cp.lastChild().kill("SIGTERM");
      expect(await retrying.exited).toBe(0);
      expect(retryEvent()!.message).toMatch(/archivista: upload failed: http:\/\/127\.0\.0\.1:9\/upload/);
      expect(annotationsOf("unreachable")["chains.tekton.dev/signed"]).toBeUndefined();
      expect(gcs.uploads.filter((name) => name.startsWith("provenance/taskrun-default-unreachable/"))).toHaveLength(4);
    } finally {
      await Promise.all([gcs.close(), grafeas.close(), archivista.close()]);
    }
  }, 180_000);

});
