import { Effect, Result } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { SignerUnavailable } from "../../../ports/signer.ts";
import { type IdentityToken, readIdentityToken } from "./identity-token.ts";
import type { KeylessContext } from "./keyless-context.ts";
import { customPathProvider, providerAliases, type TokenProblem, type TokenProvider, tokenProviders } from "./token-providers.ts";

const unavailable = (problem: TokenProblem) => new SignerUnavailable({ signer: "x509", ...problem });

/** The providers to ask, in order, for chains-config's `signers.x509` (signing.md §7 steps 1 and 3). */
const candidates = (x509: ChainsConfig["signers"]["x509"], context: KeylessContext): Result.Result<ReadonlyArray<TokenProvider>, TokenProblem> => {
  const name = providerAliases[x509.fulcio.provider] ?? x509.fulcio.provider;
  const fileProviders = ["", "filesystem", "filesystem-custom-path"];
  if (x509.identityTokenFile !== "" && fileProviders.includes(name)) return Result.succeed([customPathProvider(x509.identityTokenFile)]);
  if (name === "filesystem-custom-path")
    return Result.fail({ source: "signers.x509.identity.token.file", reason: "the filesystem-custom-path provider needs this key set to a token file" });
  if (name !== "") {
    const named = tokenProviders.find((provider) => provider.name === name);
    if (named !== undefined) return Result.succeed([named]);
    const known = [...tokenProviders.map((p) => p.name), "filesystem-custom-path", ...Object.keys(providerAliases)];
    return Result.fail({ source: "signers.x509.fulcio.provider", reason: `unknown token provider "${name}"; known are ${known.join(", ")}` });
  }
  const enabled = tokenProviders.filter((provider) => provider.enabled(context));
  return enabled.length > 0
    ? Result.succeed(enabled)
    : Result.fail({
        source: "signers.x509.fulcio.provider",
        reason: `no auth provider for fulcio is enabled; looked for ${tokenProviders.map((p) => `${p.name} (${p.source(context)})`).join(", ")}`,
      });
};

/**
 * A fresh identity token for Fulcio, read anew on every call (projected tokens rotate). The first
 * candidate provider whose token is usable wins; when none is, the error names each provider's
 * source and what was wrong.
 */
export const fetchIdentityToken = (
  x509: ChainsConfig["signers"]["x509"],
  context: KeylessContext,
): Effect.Effect<IdentityToken, SignerUnavailable> =>
  Effect.gen(function* () {
    const providers = candidates(x509, context);
    if (Result.isFailure(providers)) return yield* Effect.fail(unavailable(providers.failure));
    const problems: Array<TokenProblem> = [];
    for (const provider of providers.success) {
      const raw = yield* Effect.result(provider.provide(context));
      if (Result.isFailure(raw)) {
        problems.push(raw.failure);
        continue;
      }
      const token = readIdentityToken(raw.success, context.clock.now());
      if (Result.isSuccess(token)) return token.success;
      problems.push({ source: provider.source(context), reason: token.failure });
    }
    const [first] = problems;
    return yield* Effect.fail(
      unavailable({
        source: first?.source ?? "signers.x509.fulcio.provider",
        reason: problems.length === 1 ? (first?.reason ?? "") : problems.map((p) => `${p.source}: ${p.reason}`).join("; "),
      }),
    );
  });
