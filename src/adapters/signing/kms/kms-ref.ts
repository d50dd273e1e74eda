/** A parsed `signers.kms.kmsref` (spec/signing.md §6). */
export type KmsRef =
  | { readonly provider: "vault"; readonly scheme: "hashivault" | "openbao"; readonly keyName: string }
  | {
      readonly provider: "gcp";
      /** `projects/…/locations/…/keyRings/…/cryptoKeys/…` */
      readonly cryptoKey: string;
      /** The pinned `cryptoKeyVersions/<v>` id; undefined → the newest enabled version. */
      readonly version: string | undefined;
    }
  | { readonly provider: "unsupported"; readonly scheme: string };

export type KmsRefResult = { readonly ok: true; readonly ref: KmsRef } | { readonly ok: false; readonly reason: string };

const vaultKeyName = /^\w(?:[\w.-]*\w)?$/;
const gcpKeyName =
  /^(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+)(?:\/cryptoKeyVersions\/([^/]+))?$/;
const unsupportedSchemes = new Set(["awskms", "azurekms"]);

export const parseKmsRef = (kmsRef: string): KmsRefResult => {
  if (kmsRef === "") return { ok: false, reason: "is empty; set it to the URI of the signing key" };
  const separator = kmsRef.indexOf("://");
  const scheme = separator < 0 ? "" : kmsRef.slice(0, separator);
  const rest = separator < 0 ? "" : kmsRef.slice(separator + 3);
  switch (scheme) {
    case "hashivault":
    case "openbao":
      return vaultKeyName.test(rest)
        ? { ok: true, ref: { provider: "vault", scheme, keyName: rest } }
        : { ok: false, reason: `${JSON.stringify(kmsRef)} is not ${scheme}://<key name> (letters, digits, _, . and -)` };
    case "gcpkms": {
      const match = gcpKeyName.exec(rest);
      return match?.[1] === undefined
        ? {
            ok: false,
            reason:
              `${JSON.stringify(kmsRef)} is not ` +
              "gcpkms://projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>[/cryptoKeyVersions/<v>]",
          }
        : { ok: true, ref: { provider: "gcp", cryptoKey: match[1], version: match[2] } };
    }
    default:
      return unsupportedSchemes.has(scheme)
        ? { ok: true, ref: { provider: "unsupported", scheme } }
        : {
            ok: false,
            reason: `${JSON.stringify(kmsRef)} has no supported scheme; use hashivault://, openbao:// or gcpkms://`,
          };
  }
};
