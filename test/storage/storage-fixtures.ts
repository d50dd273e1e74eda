/** Signed artifacts, runs and config for the storage backend tests, signed with real keys. */
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Logger, Result } from "effect";
import { onTestFinished } from "vitest";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import { parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import { decodeRunObject, type RunObject } from "../../src/domain/run/run-object.ts";
import type { SignedArtifact } from "../../src/domain/signing-pass/signing-artifacts.ts";
import { pae } from "../oci-storage/oci-fixtures.ts";

export const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
export const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64");

export const configOf = (data: Readonly<Record<string, string>>): (() => ChainsConfig) => {
  const config = Result.getOrThrow(parseChainsConfig(data)).config;
  return () => config;
};

export const runOf = (kind: "TaskRun" | "PipelineRun", namespace: string, name: string): RunObject =>
  Result.getOrThrow(
    decodeRunObject({ apiVersion: "tekton.dev/v1", kind, metadata: { name, namespace, uid: `uid-${namespace}-${name}` } }),
  );

export const statementOf = (
  predicateType: string,
  subjects: ReadonlyArray<{ name: string; digest: Record<string, string> }>,
  predicate: unknown = { builder: { id: "https://tekton.dev/chains/v2" } },
): string =>
  JSON.stringify({ _type: "https://in-toto.io/Statement/v0.1", subject: subjects, predicateType, predicate });

export const KEY_ID = "SHA256:test-key-id";

/** A run's SLSA provenance with its DSSE envelope as the signature, signed over the PAE. */
export const attestation = (statement: string, over: Partial<SignedArtifact> = {}): SignedArtifact => {
  const payloadType = "application/vnd.in-toto+json";
  const sig = sign("sha256", pae(payloadType, Buffer.from(statement)), privateKey);
  const envelope = `{"payloadType":"${payloadType}","payload":"${b64(statement)}","signatures":[{"keyid":"${KEY_ID}","sig":"${b64(sig)}"}]}`;
  return {
    id: "taskrun:taskrun-uid-1",
    artifact: "taskrun",
    shortKey: "taskrun-uid-1",
    fullKey: "tekton.dev-v1-TaskRun-uid-1",
    format: "in-toto",
    payload: statement,
    dsse: true,
    signer: "x509",
    storage: [],
    signature: new TextEncoder().encode(envelope),
    publicKeyPem,
    keyId: KEY_ID,
    certificatePem: "",
    chainPem: "",
    ...over,
  };
};

/** An image's simplesigning signature: raw ECDSA bytes over the payload. */
export const imageSignature = (repository: string, hex: string): SignedArtifact => {
  const payload = `{"critical":{"identity":{"docker-reference":"${repository}"},"image":{"docker-manifest-digest":"sha256:${hex}"},"type":"cosign container image signature"},"optional":null}`;
  return {
    ...attestation(payload),
    id: `oci:${hex.slice(0, 12)}`,
    artifact: "oci",
    shortKey: hex.slice(0, 12),
    fullKey: `${repository}@sha256:${hex}`,
    format: "simplesigning",
    dsse: false,
    signature: new Uint8Array(sign("sha256", Buffer.from(payload), privateKey)),
  };
};

/** A `CLOUDSDK_AUTH_ACCESS_TOKEN_FILE` holding `token`, removed when the test that asked for it ends. */
export const tokenFile = (token: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "chains-ts-token-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "token");
  writeFileSync(file, `${token}\n`);
  return file;
};

/** Runs a store call; its result and its log lines. */
export const storeWithLogs = async <A, E>(effect: Effect.Effect<A, E>) => {
  const lines: Array<string> = [];
  const logger = Logger.make((o) => lines.push(`${o.logLevel} ${(o.message as Array<unknown>).join(" ")}`));
  const result = await Effect.runPromise(Effect.result(effect.pipe(Effect.provide(Logger.layer([logger])))));
  return { result, lines };
};

/** The failure reason of a store result, or "stored". */
export const outcomeOf = <A>(result: Result.Result<A, { readonly reason: string }>): string =>
  Result.isFailure(result) ? result.failure.reason : "stored";
