import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Effect, Schema } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { SignerUnavailable } from "../../../ports/signer.ts";
import { requestJson } from "./kms-http.ts";
import type { KmsEnv } from "./kms-env.ts";

type VaultAuth = ChainsConfig["signers"]["kms"]["auth"];

const DEFAULT_OIDC_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/** Renew a login token this long before Vault says its lease ends. */
const leaseMarginMs = 30_000;

const unavailable = (source: string, reason: string) => new SignerUnavailable({ signer: "kms", source, reason });

const readText = (path: string, source: string) =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (cause) =>
      unavailable(source, `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? "read failed"}`),
  });

const LoginResponse = Schema.Struct({
  auth: Schema.Struct({ client_token: Schema.String, lease_duration: Schema.optional(Schema.Number) }),
});

/** Headers every Vault request carries besides the token. */
export const vaultNamespaceHeaders = (env: KmsEnv): Record<string, string> => {
  const namespace = env["VAULT_NAMESPACE"] || env["BAO_NAMESPACE"];
  return namespace ? { "x-vault-namespace": namespace } : {};
};

interface ResolvedToken {
  readonly token: string;
  /** Only tokens from our own login are reused; files and env are re-read for every request. */
  readonly reusable: boolean;
  /** Epoch ms after which a fresh login is needed; undefined when the lease does not end. */
  readonly renewAt: number | undefined;
}

/** Vault JWT/OIDC login (spec/signing.md §6 step 4). */
const oidcLogin = (auth: VaultAuth, address: URL, env: KmsEnv): Effect.Effect<ResolvedToken, SignerUnavailable> =>
  Effect.gen(function* () {
    const jwtPath = auth.oidc.tokenPath || DEFAULT_OIDC_TOKEN_PATH;
    const jwt = (yield* readText(jwtPath, "signers.kms.auth.oidc.token-path")).trim();
    if (jwt === "") return yield* Effect.fail(unavailable("signers.kms.auth.oidc.token-path", `${jwtPath} is empty`));
    const url = new URL(`v1/auth/${auth.oidc.path.replace(/^\/+|\/+$/g, "")}/login`, address).href;
    const startedAt = Date.now();
    const response = yield* requestJson(
      { url, method: "POST", headers: vaultNamespaceHeaders(env), body: { role: auth.oidc.role, jwt } },
      LoginResponse,
    ).pipe(
      Effect.mapError((failure) =>
        unavailable(
          failure.status === 404 ? "signers.kms.auth.oidc.path" : "signers.kms.auth.oidc.role",
          `Vault JWT login failed: ${failure.message}`,
        ),
      ),
    );
    const lease = response.auth.lease_duration ?? 0;
    return {
      token: response.auth.client_token,
      reusable: true,
      renewAt: lease > 0 ? startedAt + lease * 1000 - leaseMarginMs : undefined,
    };
  });

/** The token resolution order of spec/signing.md §6 steps 2–5. */
const resolveToken = (auth: VaultAuth, address: URL, env: KmsEnv): Effect.Effect<ResolvedToken, SignerUnavailable> =>
  Effect.gen(function* () {
    const configured =
      auth.tokenPath !== ""
        ? (yield* readText(auth.tokenPath, "signers.kms.auth.token-path")).replace(/\n$/, "")
        : auth.token;
    if (auth.spire.sock !== "") {
      return yield* Effect.fail(
        unavailable("signers.kms.auth.spire.sock", "Vault login with a SPIRE JWT-SVID is not supported yet"),
      );
    }
    if (configured !== "") return { token: configured, reusable: false, renewAt: undefined };
    if (auth.oidc.path !== "" && auth.oidc.role !== "") return yield* oidcLogin(auth, address, env);
    const fromEnv = env["VAULT_TOKEN"] || env["BAO_TOKEN"];
    if (fromEnv) return { token: fromEnv, reusable: false, renewAt: undefined };
    const helperFile = join(env["HOME"] || homedir(), ".vault-token");
    const helper = yield* readText(helperFile, "signers.kms.auth.token").pipe(
      Effect.mapError(() =>
        unavailable(
          "signers.kms.auth.token",
          "no Vault token: set signers.kms.auth.token-path, signers.kms.auth.token, or signers.kms.auth.oidc.path " +
            "and .role; or env VAULT_TOKEN / BAO_TOKEN; or write ~/.vault-token",
        ),
      ),
    );
    return { token: helper.replace(/\n$/, ""), reusable: false, renewAt: undefined };
  });

/**
 * The Vault token for each request (`address` is the base URL from `resolveVaultAddress`). Files
 * and env are re-read every time, so a rotated token file takes effect without rebuilding the
 * signer; a token from JWT login is reused until its lease is about to end.
 */
export const makeVaultTokenSource = (
  auth: VaultAuth,
  address: URL,
  env: KmsEnv,
): Effect.Effect<string, SignerUnavailable> => {
  let cached: ResolvedToken | undefined;
  return Effect.gen(function* () {
    if (cached !== undefined && (cached.renewAt === undefined || Date.now() < cached.renewAt)) return cached.token;
    const resolved = yield* resolveToken(auth, address, env);
    cached = resolved.reusable ? resolved : undefined;
    return resolved.token;
  });
};
