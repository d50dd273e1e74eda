import { Redacted } from "effect";
import { parseJsonObjectText } from "./json-object.ts";

/**
 * Google registries (Container Registry, Artifact Registry) take an OAuth2 access token as the
 * password of the fixed user `oauth2accesstoken` (storage.md §5 step 3, the Google keychain).
 */
export const googleAccessTokenUsername = "oauth2accesstoken";

/** `gcr.io`, `*.gcr.io` and `*.pkg.dev`: the hosts the Google keychain answers for. */
export const isGoogleRegistry = (registry: string): boolean => {
  const host = registry.toLowerCase();
  return host === "gcr.io" || host.endsWith(".gcr.io") || host.endsWith(".pkg.dev");
};

export interface GoogleAccessToken {
  readonly token: Redacted.Redacted<string>;
  readonly expiresInSeconds: number;
}

/** `{"access_token":…,"expires_in":…,"token_type":"Bearer"}`, or `undefined` when it is not that. */
export const parseAccessTokenResponse = (body: string): GoogleAccessToken | undefined => {
  const json = parseJsonObjectText(body);
  if (json === undefined) return undefined;
  const token = json["access_token"];
  const expiresIn = json["expires_in"];
  if (typeof token !== "string" || token === "" || typeof expiresIn !== "number" || !(expiresIn > 0)) return undefined;
  return { token: Redacted.make(token), expiresInSeconds: expiresIn };
};
