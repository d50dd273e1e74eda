import { Effect, Redacted } from "effect";

/**
 * What a client presents to a registry. Secrets are `Redacted`, so printing a credential (or an
 * error that holds one) never shows them.
 */
export type RegistryCredential =
  | { readonly _tag: "Anonymous" }
  | { readonly _tag: "Basic"; readonly username: string; readonly password: Redacted.Redacted<string> }
  /** An OAuth2 refresh token (docker config `identitytoken`), exchanged at the token endpoint. */
  | { readonly _tag: "IdentityToken"; readonly token: Redacted.Redacted<string> }
  /** A ready bearer token (docker config `registrytoken`), sent as is. */
  | { readonly _tag: "RegistryToken"; readonly token: Redacted.Redacted<string> };

export const anonymous: RegistryCredential = { _tag: "Anonymous" };

export const basicCredential = (username: string, password: string): RegistryCredential => ({
  _tag: "Basic",
  username,
  password: Redacted.make(password),
});

/**
 * Finds the credential for one repository; the first source with a non-anonymous answer wins.
 * A lookup may run a credential helper or ask a metadata server, hence an effect; it never fails:
 * a source that cannot answer reports anonymous (and says why in its own log).
 */
export type Keychain = (registry: string, repository: string) => Effect.Effect<RegistryCredential>;

export const anonymousKeychain: Keychain = () => Effect.succeed(anonymous);

/** Tries each keychain in order (storage.md §5 step 3) and returns the first non-anonymous credential. */
export const firstOf =
  (keychains: ReadonlyArray<Keychain>): Keychain =>
  (registry, repository) =>
    Effect.gen(function* () {
      for (const keychain of keychains) {
        const credential = yield* keychain(registry, repository);
        if (credential._tag !== "Anonymous") return credential;
      }
      return anonymous;
    });
