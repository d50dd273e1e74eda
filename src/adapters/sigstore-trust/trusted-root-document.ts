import { createPublicKey, X509Certificate } from "node:crypto";
import { Result } from "effect";
import { isJsonObject } from "../../domain/oci/json-object.ts";
import type { SigstoreTrustedRoot, TrustedCertificateAuthority, TrustedKey } from "../../ports/sigstore-trust.ts";
import { parseJsonText } from "../../domain/serialization/json-text.ts";

const pem = (der: Buffer, label: string): string =>
  `-----BEGIN ${label}-----\n${der.toString("base64").replace(/.{1,64}/g, "$&\n")}-----END ${label}-----\n`;

const date = (value: unknown): Date | undefined => {
  if (typeof value !== "string") return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
};

const validity = (validFor: unknown): { validFrom?: Date; validUntil?: Date } => {
  if (!isJsonObject(validFor)) return {};
  const validFrom = date(validFor["start"]);
  const validUntil = date(validFor["end"]);
  return { ...(validFrom === undefined ? {} : { validFrom }), ...(validUntil === undefined ? {} : { validUntil }) };
};

const keys = (list: unknown, field: string): Result.Result<ReadonlyArray<TrustedKey>, string> => {
  if (list === undefined) return Result.succeed([]);
  if (!Array.isArray(list)) return Result.fail(`${field} is not a list`);
  const out: TrustedKey[] = [];
  for (const [i, log] of list.entries()) {
    const publicKey = isJsonObject(log) ? log["publicKey"] : undefined;
    const raw = isJsonObject(publicKey) ? publicKey["rawBytes"] : undefined;
    if (!isJsonObject(log) || !isJsonObject(publicKey) || typeof raw !== "string")
      return Result.fail(`${field}[${i}] has no publicKey.rawBytes`);
    let der: Buffer;
    try {
      der = createPublicKey({ key: Buffer.from(raw, "base64"), format: "der", type: "spki" }).export({ format: "der", type: "spki" });
    } catch {
      return Result.fail(`${field}[${i}].publicKey.rawBytes is not a PKIX public key`);
    }
    const logId = isJsonObject(log["logId"]) ? log["logId"]["keyId"] : undefined;
    out.push({
      logId: typeof logId === "string" ? Buffer.from(logId, "base64").toString("hex") : "",
      baseUrl: typeof log["baseUrl"] === "string" ? log["baseUrl"] : "",
      publicKeyPem: pem(der, "PUBLIC KEY"),
      ...validity(publicKey["validFor"]),
    });
  }
  return Result.succeed(out);
};

const authorities = (list: unknown): Result.Result<ReadonlyArray<TrustedCertificateAuthority>, string> => {
  if (list === undefined) return Result.succeed([]);
  if (!Array.isArray(list)) return Result.fail("certificateAuthorities is not a list");
  const out: TrustedCertificateAuthority[] = [];
  for (const [i, ca] of list.entries()) {
    const chain = isJsonObject(ca) && isJsonObject(ca["certChain"]) ? ca["certChain"]["certificates"] : undefined;
    if (!isJsonObject(ca) || !Array.isArray(chain)) return Result.fail(`certificateAuthorities[${i}] has no certChain.certificates`);
    const certificatesPem: string[] = [];
    for (const cert of chain) {
      const raw = isJsonObject(cert) ? cert["rawBytes"] : undefined;
      try {
        if (typeof raw !== "string") throw new Error("no rawBytes");
        certificatesPem.push(new X509Certificate(Buffer.from(raw, "base64")).toString());
      } catch {
        return Result.fail(`certificateAuthorities[${i}] holds a certificate that cannot be read`);
      }
    }
    out.push({ uri: typeof ca["uri"] === "string" ? ca["uri"] : "", certificatesPem, ...validity(ca["validFor"]) });
  }
  return Result.succeed(out);
};

/**
 * Reads a sigstore `trusted_root.json` (protojson): the Rekor keys (logID in hex, as Rekor names
 * it), Fulcio CA chains and CT log keys, each with its validity. Returns what is malformed.
 */
export const parseTrustedRoot = (text: string): Result.Result<SigstoreTrustedRoot, string> => {
  let document: unknown;
  try {
    document = parseJsonText(text);
  } catch {
    return Result.fail("not JSON");
  }
  if (!isJsonObject(document)) return Result.fail("not a JSON object");
  const tlogs = keys(document["tlogs"], "tlogs");
  if (Result.isFailure(tlogs)) return Result.fail(tlogs.failure);
  const ctlogs = keys(document["ctlogs"], "ctlogs");
  if (Result.isFailure(ctlogs)) return Result.fail(ctlogs.failure);
  const cas = authorities(document["certificateAuthorities"]);
  if (Result.isFailure(cas)) return Result.fail(cas.failure);
  if (tlogs.success.length === 0 && cas.success.length === 0) return Result.fail("it names no transparency log and no certificate authority");
  return Result.succeed({
    transparencyLogs: tlogs.success,
    certificateAuthorities: cas.success,
    ctLogs: ctlogs.success,
    document,
  });
};
