import { connect } from "node:net";
import { Effect } from "effect";
import { SignerUnavailable } from "../../../ports/signer.ts";
import type { KmsEnv } from "./kms-env.ts";

const ADDRESS_KEY = "signers.kms.auth.address";
const dialTimeoutMs = 5_000;

const unavailable = (source: string, reason: string) => new SignerUnavailable({ signer: "kms", source, reason });

/**
 * The Vault/OpenBao base URL (spec/signing.md §6 step 1): `signers.kms.auth.address`, else env
 * `VAULT_ADDR`, else `BAO_ADDR`. An address without a scheme means `http://`. A configured address
 * is dialled first (5 s, port 80/443 by default) so an unreachable Vault fails fast with a clear
 * error, as in the reference. The result ends with `/`.
 */
export const resolveVaultAddress = (configured: string, env: KmsEnv): Effect.Effect<URL, SignerUnavailable> =>
  Effect.gen(function* () {
    const [raw, source] =
      configured !== ""
        ? [configured, ADDRESS_KEY]
        : env["VAULT_ADDR"]
          ? [env["VAULT_ADDR"], "env VAULT_ADDR"]
          : env["BAO_ADDR"]
            ? [env["BAO_ADDR"], "env BAO_ADDR"]
            : [undefined, ADDRESS_KEY];
    if (raw === undefined) {
      return yield* Effect.fail(unavailable(ADDRESS_KEY, `no Vault address: set ${ADDRESS_KEY} or env VAULT_ADDR / BAO_ADDR`));
    }
    const address = URL.parse(raw.includes("://") ? raw : `http://${raw}`);
    if (address === null || (address.protocol !== "http:" && address.protocol !== "https:") || address.hostname === "") {
      return yield* Effect.fail(unavailable(source, `${JSON.stringify(raw)} is not an http(s) address`));
    }
    if (configured !== "") yield* dial(address);
    // A trailing slash makes `new URL("v1/…", base)` keep any path prefix of the address.
    if (!address.pathname.endsWith("/")) address.pathname = `${address.pathname}/`;
    return address;
  });

const dial = (address: URL): Effect.Effect<void, SignerUnavailable> => {
  const port = Number(address.port || (address.protocol === "https:" ? 443 : 80));
  // URL keeps IPv6 literals bracketed; net.connect wants them bare.
  const host = address.hostname.replace(/^\[(.*)\]$/, "$1");
  return Effect.callback<void, SignerUnavailable>((resume) => {
    const socket = connect({ host, port, timeout: dialTimeoutMs });
    const fail = (why: string) => {
      socket.destroy();
      resume(Effect.fail(unavailable(ADDRESS_KEY, `cannot connect to ${address.host}:${port}: ${why}`)));
    };
    socket.once("connect", () => {
      socket.destroy();
      resume(Effect.void);
    });
    socket.once("timeout", () => fail(`no TCP connection within ${dialTimeoutMs / 1000}s`));
    socket.once("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
    return Effect.sync(() => socket.destroy());
  });
};
