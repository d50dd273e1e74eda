import { Redacted } from "effect";
import { parseJsonObjectText } from "./json-object.ts";
import { anonymous, type RegistryCredential } from "./registry-credential.ts";

/**
 * What `docker-credential-<name> get` prints (the docker credential-helper protocol): on success
 * `{"ServerURL":…,"Username":…,"Secret":…}`; on failure a message and a non-zero exit status.
 */

/**
 * The message helpers built on docker-credential-helpers print when they hold nothing for the
 * server: the docker CLI treats it as "no credentials", not as an error, and so does chains-ts.
 */
export const credentialsNotFoundMessage = "credentials not found in native keychain";

/**
 * The credential in a successful answer, or `undefined` when it is not credential JSON (the
 * caller reports that without quoting the output, which may hold the secret). A `Username` of
 * `<token>` marks the Secret as an identity (refresh) token, as docker and go-containerregistry
 * read it; an empty answer is anonymous.
 */
export const parseCredentialHelperOutput = (stdout: string): RegistryCredential | undefined => {
  const json = parseJsonObjectText(stdout);
  if (json === undefined) return undefined;
  const username = json["Username"] ?? "";
  const secret = json["Secret"] ?? "";
  if (typeof username !== "string" || typeof secret !== "string") return undefined;
  if (username === "<token>") return secret === "" ? anonymous : { _tag: "IdentityToken", token: Redacted.make(secret) };
  if (username === "" && secret === "") return anonymous;
  return { _tag: "Basic", username, password: Redacted.make(secret) };
};
