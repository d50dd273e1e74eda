import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_WAIT_MS, until } from "./until.ts";

/**
 * Debian's `docker-registry` (CNCF distribution 2.8) on 127.0.0.1 for tests: temp storage and
 * config, a free port, optional htpasswd or bearer-token auth. Plain HTTP, as loopback registries
 * are contacted over HTTP (type-hinting.md §4).
 */

export const registryBinary = process.env["DOCKER_REGISTRY_BIN"] ?? "/usr/bin/docker-registry";

export type RegistryAuth =
  | { readonly kind: "htpasswd"; readonly username: string; readonly password: string }
  | {
      readonly kind: "token";
      readonly realm: string;
      readonly service: string;
      readonly issuer: string;
      /** PEM of the certificate whose key signs the tokens. */
      readonly rootCertPem: string;
    };

export interface RunningRegistry {
  /** `127.0.0.1:<port>`, the registry part of image references. */
  readonly host: string;
  readonly url: string;
  readonly stop: () => Promise<void>;
}

/**
 * Why the real registry cannot run here, or undefined when it can. With `CI=true` a missing
 * binary is an error (tests must fail, not skip).
 */
export const registryUnavailable = (): string | undefined => {
  if (existsSync(registryBinary)) return undefined;
  const reason = `${registryBinary} not found (apt-get install docker-registry)`;
  if (process.env["CI"] === "true") throw new Error(`CI=true and ${reason}`);
  return reason;
};

export const startRegistry = async (options: { readonly auth?: RegistryAuth } = {}): Promise<RunningRegistry> => {
  const dir = await mkdtemp(join(tmpdir(), "chains-ts-registry-"));
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const authYaml = await authConfig(dir, options.auth);
    const config = [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString("hex")}`,
      ...authYaml,
      "",
    ].join("\n");
    const configPath = join(dir, "config.yml");
    await writeFile(configPath, config);
    let output = "";
    const started = spawn(registryBinary, ["serve", configPath], { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    started.stdout?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    started.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url, started, () => output);
    const stop = async () => {
      await kill(started);
      await rm(dir, { recursive: true, force: true });
    };
    return { host: `127.0.0.1:${port}`, url, stop };
  } catch (e) {
    if (child !== undefined) await kill(child);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
};

const authConfig = async (dir: string, auth: RegistryAuth | undefined): Promise<string[]> => {
  if (auth === undefined) return [];
  if (auth.kind === "htpasswd") {
    const path = join(dir, "htpasswd");
    await writeFile(path, `${auth.username}:${bcryptHash(auth.password)}\n`);
    return ["auth:", "  htpasswd:", "    realm: chains-ts-test", `    path: ${path}`];
  }
  const bundle = join(dir, "token-root.pem");
  await writeFile(bundle, auth.rootCertPem);
  return [
    "auth:",
    "  token:",
    `    realm: ${auth.realm}`,
    `    service: ${auth.service}`,
    `    issuer: ${auth.issuer}`,
    `    rootcertbundle: ${bundle}`,
  ];
};

/**
 * distribution's htpasswd accepts only bcrypt. Node has no bcrypt, so this uses the C library's
 * crypt(3) through perl (perl-base is essential on Debian; libxcrypt implements `$2b$`).
 */
const bcryptHash = (password: string): string => {
  const alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const salt = Array.from(randomBytes(22), (b) => alphabet[b % 64]).join("");
  const result = spawnSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, `$2b$05$${salt}`], {
    encoding: "utf8",
  });
  if (result.status !== 0 || !result.stdout.startsWith("$2b$")) {
    throw new Error(`cannot make a bcrypt hash with perl crypt(): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const waitReady = (url: string, child: ChildProcess, output: () => string): Promise<void> =>
  until(
    async () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${output()}`);
      try {
        const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        return response.status === 200 || response.status === 401;
      } catch {
        return false; // not listening yet
      }
    },
    `docker-registry ready at ${url}`,
    DEFAULT_WAIT_MS,
    100,
  ).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; its output: ${output()}`);
  });

const kill = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
