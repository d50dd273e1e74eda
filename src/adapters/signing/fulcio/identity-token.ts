import { Redacted, Result } from "effect";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

/** The audience Fulcio accepts tokens for; every provider asks for it. */
export const SIGSTORE_AUDIENCE = "sigstore";

/** An OIDC identity token, checked enough that Fulcio's refusal would not be a surprise. */
export interface IdentityToken {
  readonly token: Redacted.Redacted<string>;
  /** What proof of possession signs: the `email` claim when there is one, else `sub` (as Fulcio checks it). */
  readonly challenge: string;
  readonly expiresAt: Date | undefined;
}

const claimsOf = (jwt: string): Record<string, unknown> | undefined => {
  const parts = jwt.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims = parseJsonText(Buffer.from(parts[1] ?? "", "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Reads a token as a provider returned it. The reasons say what is wrong with it (empty, not a
 * JWT, expired, other audience) without ever quoting it.
 */
export const readIdentityToken = (raw: string, now: Date): Result.Result<IdentityToken, string> => {
  const jwt = raw.trim();
  if (jwt === "") return Result.fail("the token is empty");
  const claims = claimsOf(jwt);
  if (claims === undefined) return Result.fail("the token is not a JWT (three base64url parts with a JSON claims object)");
  const exp = claims["exp"];
  const expiresAt = typeof exp === "number" ? new Date(exp * 1000) : undefined;
  if (expiresAt !== undefined && expiresAt.getTime() <= now.getTime())
    return Result.fail(`the token expired at ${expiresAt.toISOString()}`);
  const aud = claims["aud"];
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === "string") : undefined;
  if (audiences !== undefined && !audiences.includes(SIGSTORE_AUDIENCE))
    return Result.fail(`the token's audience is ${JSON.stringify(audiences)}; Fulcio needs "${SIGSTORE_AUDIENCE}"`);
  const email = claims["email"];
  const sub = claims["sub"];
  const challenge = typeof email === "string" && email !== "" ? email : typeof sub === "string" ? sub : "";
  if (challenge === "") return Result.fail("the token has neither a sub nor an email claim");
  return Result.succeed({ token: Redacted.make(jwt), challenge, expiresAt });
};
