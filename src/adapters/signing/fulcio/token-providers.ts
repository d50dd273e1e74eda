import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Effect } from "effect";
import { gceMetadataUrl, metadataFlavorHeader } from "../../gce/gce-metadata-url.ts";
import { answerExcerpt, httpExchange } from "./http-exchange.ts";
import { SIGSTORE_AUDIENCE } from "./identity-token.ts";
import { FILESYSTEM_TOKEN_PATH, GCE_PRODUCT_NAME_PATH, type KeylessContext } from "./keyless-context.ts";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

/** A provider could not hand out a token: `source` is the file, variable or endpoint to look at. */
export interface TokenProblem {
  readonly source: string;
  readonly reason: string;
}

/**
 * A source of OIDC identity tokens for Fulcio, as cosign's providers: `enabled` is a cheap local
 * check (a file or variable exists), `provide` fetches a token for audience `sigstore`.
 */
export interface TokenProvider {
  readonly name: string;
  /** Where the token comes from, for messages. */
  readonly source: (context: KeylessContext) => string;
  readonly enabled: (context: KeylessContext) => boolean;
  readonly provide: (context: KeylessContext) => Effect.Effect<string, TokenProblem>;
}

const readTokenFile = (path: string): Effect.Effect<string, TokenProblem> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (cause) => ({
      source: path,
      reason: `cannot read the token file: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`,
    }),
  });

const fileProvider = (name: string, path: (context: KeylessContext) => string): TokenProvider => ({
  name,
  source: path,
  enabled: (context) => existsSync(path(context)),
  provide: (context) => readTokenFile(path(context)),
});

/** The projected ServiceAccount token of the Deployment (audience `sigstore`, renewed by the kubelet). */
const filesystem = fileProvider("filesystem", (context) => context.filesystemTokenPath ?? FILESYSTEM_TOKEN_PATH);

/** `signers.x509.identity.token.file`, for a token written by something else. */
export const customPathProvider = (path: string): TokenProvider => ({
  ...fileProvider("filesystem-custom-path", () => path),
  enabled: () => true,
});

const envvar: TokenProvider = {
  name: "envvar",
  source: () => "env SIGSTORE_ID_TOKEN",
  enabled: (context) => context.env["SIGSTORE_ID_TOKEN"] !== undefined,
  provide: (context) => Effect.succeed(context.env["SIGSTORE_ID_TOKEN"] ?? ""),
};

const jsonField = (body: string, field: string): string | undefined => {
  try {
    const json = parseJsonText(body);
    const value = typeof json === "object" && json !== null ? (json as Record<string, unknown>)[field] : undefined;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
};

/** Asks an HTTP token endpoint and takes the token out of its 200 answer. */
const fromEndpoint = (
  source: string,
  url: string,
  init: Parameters<typeof httpExchange>[1],
  token: (body: string) => string | undefined,
): Effect.Effect<string, TokenProblem> =>
  httpExchange(url, init).pipe(
    Effect.mapError((reason) => ({ source, reason })),
    Effect.flatMap((answer) => {
      if (answer.status !== 200) return Effect.fail({ source, reason: `the token endpoint answered ${answerExcerpt(answer)}` });
      const value = token(answer.body);
      return value === undefined ? Effect.fail({ source, reason: "the token endpoint's answer holds no token" }) : Effect.succeed(value);
    }),
  );

const githubActions: TokenProvider = {
  name: "github-actions",
  source: () => "env ACTIONS_ID_TOKEN_REQUEST_URL",
  enabled: (context) => !!context.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] && !!context.env["ACTIONS_ID_TOKEN_REQUEST_URL"],
  provide: (context) =>
    fromEndpoint(
      "env ACTIONS_ID_TOKEN_REQUEST_URL",
      `${context.env["ACTIONS_ID_TOKEN_REQUEST_URL"] ?? ""}&audience=${SIGSTORE_AUDIENCE}`,
      { method: "GET", headers: { Authorization: `bearer ${context.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] ?? ""}` } },
      (body) => jsonField(body, "value"),
    ),
};

const buildkiteAgent: TokenProvider = {
  name: "buildkite-agent",
  source: () => "env BUILDKITE_AGENT_ENDPOINT",
  enabled: (context) => !!context.env["BUILDKITE_AGENT_ACCESS_TOKEN"],
  provide: (context) => {
    const endpoint = context.env["BUILDKITE_AGENT_ENDPOINT"] || "https://agent.buildkite.com/v3";
    const job = encodeURIComponent(context.env["BUILDKITE_JOB_ID"] ?? "");
    return fromEndpoint(
      `Buildkite agent API ${endpoint}`,
      `${endpoint.replace(/\/+$/, "")}/jobs/${job}/oidc/tokens`,
      {
        method: "POST",
        headers: { Authorization: `Token ${context.env["BUILDKITE_AGENT_ACCESS_TOKEN"] ?? ""}`, "Content-Type": "application/json" },
        body: JSON.stringify({ audience: SIGSTORE_AUDIENCE }),
      },
      (body) => jsonField(body, "token"),
    );
  },
};

const onGoogle = (context: KeylessContext): boolean => {
  if (context.env["GCE_METADATA_HOST"]) return true;
  try {
    const product = readFileSync(context.gceProductNamePath ?? GCE_PRODUCT_NAME_PATH, "utf8").trim();
    return product === "Google" || product === "Google Compute Engine";
  } catch {
    return false;
  }
};

/** On GCE/GKE: an ID token of the instance's (with Workload Identity, the pod's) service account. */
const googleWorkloadIdentity: TokenProvider = {
  name: "google-workload-identity",
  source: (context) => `GCE metadata server ${new URL(gceMetadataUrl(context.env, "")).host}`,
  enabled: onGoogle,
  provide: (context) =>
    fromEndpoint(
      `GCE metadata server ${new URL(gceMetadataUrl(context.env, "")).host}`,
      gceMetadataUrl(context.env, `instance/service-accounts/default/identity?audience=${SIGSTORE_AUDIENCE}&format=full`),
      { method: "GET", headers: metadataFlavorHeader },
      (body) => (body.trim() === "" ? undefined : body.trim()),
    ),
};

/** Providers cosign has and chains-ts does not: enabled as cosign would see them, refusing with advice. */
const unsupported = (name: string, source: string, enabled: (context: KeylessContext) => boolean, advice: string): TokenProvider => ({
  name,
  source: () => source,
  enabled,
  provide: () => Effect.fail({ source, reason: `the ${name} token provider is not supported by chains-ts; ${advice}` }),
});

const spiffeSocket = (context: KeylessContext): string => context.env["SPIFFE_ENDPOINT_SOCKET"] || "/tmp/spire-agent/public/api.sock";

/** In the order they are tried when `signers.x509.fulcio.provider` is empty; the first token wins. */
export const tokenProviders: ReadonlyArray<TokenProvider> = [
  filesystem,
  envvar,
  githubActions,
  buildkiteAgent,
  googleWorkloadIdentity,
  unsupported(
    "google-impersonate",
    "env GOOGLE_SERVICE_ACCOUNT_NAME",
    (context) => !!context.env["GOOGLE_SERVICE_ACCOUNT_NAME"],
    "use google-workload-identity (GKE Workload Identity) or the filesystem provider's projected token",
  ),
  unsupported(
    "spiffe",
    "SPIFFE Workload API socket",
    (context) => existsSync(spiffeSocket(context)),
    "write the JWT-SVID to a file (e.g. with spiffe-helper) and set signers.x509.identity.token.file",
  ),
];

/** The names the Tekton Chains docs use for two providers cosign registers under longer names. */
export const providerAliases: Readonly<Record<string, string>> = {
  google: "google-workload-identity",
  github: "github-actions",
};
