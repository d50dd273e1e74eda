import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Effect, References, Result } from "effect";
import { afterAll, beforeAll } from "vitest";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import type { RetryPolicy } from "../../src/adapters/registry/client/retry-policy.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import { parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import { anonymousKeychain } from "../../src/domain/oci/registry-credential.ts";
import type { ArtifactStore, StoreRequest } from "../../src/ports/artifact-store.ts";
import type { OciRegistry, OciRegistrySession } from "../../src/ports/oci-registry.ts";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../support/oci-registry.ts";
import { skopeo, skopeoUnavailable } from "../oci/registry-fixtures.ts";

const run = promisify(execFile);

export const opensslBinary = process.env["OPENSSL_BIN"] ?? "/usr/bin/openssl";

/** Why openssl cannot run, or undefined; with `CI=true` a missing openssl is an error. */
export const opensslUnavailable = (): string | undefined => {
  if (existsSync(opensslBinary)) return undefined;
  const reason = `${opensslBinary} not found (apt-get install openssl)`;
  if (process.env["CI"] === "true") throw new Error(`CI=true and ${reason}`);
  return reason;
};

/**
 * Why the registry-backed tests of `suite` cannot run here (no docker-registry, skopeo or openssl),
 * or undefined; with `CI=true` a missing tool throws instead, so nothing is skipped silently.
 */
export const registryToolsMissing = (suite: string): string | undefined => {
  const missing = registryUnavailable() ?? skopeoUnavailable() ?? opensslUnavailable();
  if (missing !== undefined) console.warn(`skipping ${suite}: ${missing}`);
  return missing;
};

/** Remembers what the controller asked a backend to store, to replay it. */
export const recording = (store: ArtifactStore): ArtifactStore & { readonly requests: StoreRequest[] } => {
  const requests: StoreRequest[] = [];
  return { name: store.name, requests, store: (request) => (requests.push(request), store.store(request)) };
};

/** The parsed config for the data given to the harness, so the backend sees what the controller sees. */
export const configOf = (data: Readonly<Record<string, string>>): (() => ChainsConfig) => {
  const config = Result.getOrThrow(parseChainsConfig(data)).config;
  return () => config;
};

/** The demo's image-building TaskRun, renamed, naming `image` (`repo:tag`) and `digest` in its results. */
export const imageTaskRun = (name: string, image: string, digest: string): RunJson => {
  const base = structuredClone(sampleRuns().taskRuns[0]!);
  base.metadata.name = name;
  const status = base["status"] as { results: Array<{ name: string; type: string; value: string }> };
  status.results = [
    { name: "IMAGE_URL", type: "string", value: image },
    { name: "IMAGE_DIGEST", type: "string", value: digest },
  ];
  return base;
};

export interface OciManifest {
  readonly mediaType: string;
  readonly config: { readonly mediaType: string; readonly digest: string };
  readonly layers: ReadonlyArray<{
    readonly mediaType: string;
    readonly size: number;
    readonly digest: string;
    readonly annotations?: Readonly<Record<string, string>>;
  }>;
}

export const listTags = async (host: string, repository: string): Promise<ReadonlyArray<string>> =>
  (JSON.parse(await skopeo("list-tags", "--tls-verify=false", `docker://${host}/${repository}`)) as { Tags: string[] }).Tags;

/** `docker://host/repo:tag`, or `@digest` when the reference is a digest. */
const dockerRef = (host: string, repository: string, reference: string): string =>
  `docker://${host}/${repository}${reference.startsWith("sha256:") ? "@" : ":"}${reference}`;

export const inspectRaw = async (host: string, repository: string, reference: string): Promise<OciManifest> =>
  JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", dockerRef(host, repository, reference))) as OciManifest;

/**
 * Copies a tag or digest with skopeo into an OCI layout (which fetches and checks every blob) and returns
 * a reader of its blobs by digest.
 */
export const copyToLayout = async (
  host: string,
  repository: string,
  reference: string,
): Promise<{ readonly blob: (digest: string) => Promise<Buffer>; readonly dispose: () => Promise<void> }> => {
  const dir = await mkdtemp(join(tmpdir(), "chains-ts-oci-layout-"));
  await skopeo("copy", "--src-tls-verify=false", dockerRef(host, repository, reference), `oci:${dir}:copied`);
  return {
    blob: (digest) => readFile(join(dir, "blobs", "sha256", digest.replace(/^sha256:/, ""))),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
};

/** `openssl dgst -sha256 -verify` of `signature` over `data` with a PEM public key; true when it prints "Verified OK". */
export const opensslVerifies = async (publicKeyPem: string, data: Uint8Array, signature: Uint8Array): Promise<boolean> => {
  const dir = await mkdtemp(join(tmpdir(), "chains-ts-openssl-"));
  try {
    await writeFile(join(dir, "key.pem"), publicKeyPem);
    await writeFile(join(dir, "data"), data);
    await writeFile(join(dir, "sig"), signature);
    const result = await run(opensslBinary, ["dgst", "-sha256", "-verify", join(dir, "key.pem"), "-signature", join(dir, "sig"), join(dir, "data")]).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? "",
    );
    return result.trim() === "Verified OK";
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/** DSSE v1 pre-authentication encoding, written out here independently of src/domain/dsse. */
export const pae = (payloadType: string, payload: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);

/** Runs a backend call without its info log lines on the test output. */
export const quietly = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  effect.pipe(Effect.provideService(References.MinimumLogLevel, "Warn"));

export const hexOf = (digest: string): string => digest.replace(/^sha256:/, "");

/** A docker-registry for the enclosing describe block, and an anonymous session to seed it. */
export const useRegistry = (): { readonly registry: RunningRegistry; readonly direct: OciRegistrySession } => {
  const state = {} as { registry: RunningRegistry; direct: OciRegistrySession };
  beforeAll(async () => {
    state.registry = await startRegistry();
    state.direct = distributionSession({ insecure: false, keychain: anonymousKeychain });
  });
  afterAll(async () => {
    await state.registry?.stop();
  });
  return state;
};

const fastRetries: RetryPolicy = { attempts: 2, initialDelayMs: 5, maxDelayMs: 20, requestTimeoutMs: 5_000 };

/** The real registry client with quick retries, counting the session calls the backend makes. */
export const countingRegistry = (): OciRegistry["Service"] & { calls: number } => {
  const port = {
    calls: 0,
    session: (options: Parameters<OciRegistry["Service"]["session"]>[0]): OciRegistrySession => {
      const session = distributionSession({ ...options, retry: fastRetries });
      const counted: Record<string, unknown> = {};
      for (const [name, method] of Object.entries(session)) {
        counted[name] = (...args: unknown[]) => {
          port.calls++;
          return (method as (...a: unknown[]) => unknown)(...args);
        };
      }
      return counted as unknown as OciRegistrySession;
    },
  };
  return port;
};
