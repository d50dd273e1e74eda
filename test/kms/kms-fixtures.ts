import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import type { KmsEnv } from "../../src/adapters/signing/kms/kms-env.ts";
import { makeKmsSigner } from "../../src/adapters/signing/kms/kms-signer.ts";
import type { Signer, SignerUnavailable } from "../../src/ports/signer.ts";
import { configWith } from "../signing/signing-fixtures.ts";
import { opensslVerifies } from "../support/independent-verifiers.ts";

/** The `kms` signer for these chains-config keys, as the registry builds it. */
export const buildKms = (data: Readonly<Record<string, string>>, env: KmsEnv): Promise<Signer> =>
  Effect.runPromise(makeKmsSigner(configWith(data), env));

export const buildKmsFailure = (data: Readonly<Record<string, string>>, env: KmsEnv): Promise<SignerUnavailable> =>
  Effect.runPromise(Effect.flip(makeKmsSigner(configWith(data), env)));

/** Files the KMS env points at (tokens, credentials), and a HOME with no machine login in it. */
export interface KmsScratch {
  readonly dir: string;
  readonly home: string;
  /** Writes `content` to `name` in the scratch dir; returns its path. */
  readonly file: (name: string, content: string) => Promise<string>;
  readonly remove: () => Promise<void>;
}

export const makeKmsScratch = async (prefix: string): Promise<KmsScratch> => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const home = join(dir, "home");
  await mkdir(home);
  return {
    dir,
    home,
    file: async (name, content) => {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
};

/** A loopback port nothing listens on (it was just bound and released): connecting is refused. */
export const refusedLoopbackPort = async (): Promise<number> => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  return port;
};

/** Signs `data` with a KMS signer and asks openssl whether `publicKeyPem` verifies the signature. */
export const opensslAcceptsSignature = async (signer: Signer, publicKeyPem: string, data: Uint8Array): Promise<boolean> =>
  opensslVerifies({ publicKeyPem, scheme: signer.scheme, data, signature: await Effect.runPromise(signer.sign(data)) });
