import { createHash, createPublicKey, X509Certificate } from "node:crypto";
import { Effect, Result } from "effect";
import { parseEnvelope } from "../../domain/dsse/envelope.ts";
import { preAuthEncoding } from "../../domain/dsse/pae.ts";
import { dsseBody, hashedRekordBody } from "../../domain/transparency/rekor-entry-body.ts";
import type { SigstoreTrust } from "../../ports/sigstore-trust.ts";
import {
  type TransparencyEntry,
  type TransparencyLog,
  type TransparencyUpload,
  TransparencyUploadFailed,
} from "../../ports/transparency-log.ts";
import { verifySignature } from "../signing/signature-check.ts";
import { rekorRequest, serverMessage } from "./rekor-http.ts";
import { type ExpectedEntry, logIdOfPem, verifyLogEntry } from "./verify-log-entry.ts";
import { parseJsonText } from "../../domain/serialization/json-text.ts";

export interface RekorOptions {
  /** `transparency.url` of the config in force, read on every upload so a config edit applies live. */
  readonly url: () => string;
  readonly trust: SigstoreTrust["Service"];
}

const base64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString("base64");
const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** The API root: a URL without a path gets `/api/v1/log`; a path (`https://h/rekor`) is kept before it. */
export const apiRoot = (transparencyUrl: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(transparencyUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}/api/v1/log`;
};

/** The verifier as the reference sends it: the certificate if there is one, else the key, re-encoded as canonical PEM. */
const verifierPemOf = (upload: TransparencyUpload): string =>
  upload.certificatePem.trim() !== ""
    ? new X509Certificate(upload.certificatePem).toString()
    : createPublicKey(upload.publicKeyPem).export({ type: "spki", format: "pem" }).toString();

interface Proposal {
  readonly body: string;
  readonly expected: ExpectedEntry;
}

/**
 * The entry to propose and what the log must then hold (transparency.md §3); a DSSE envelope must
 * verify first. A verifier uses `expected` to check that an entry logs a stored signature.
 */
export const proposalOf = (upload: TransparencyUpload): Result.Result<Proposal, string> => {
  let verifierPem: string;
  try {
    verifierPem = verifierPemOf(upload);
  } catch {
    return Result.fail("the signer's certificate or public key cannot be read");
  }
  const verifier = base64(verifierPem);
  if (!upload.dsse) {
    return Result.succeed({
      body: hashedRekordBody({ payload: upload.payload, signature: upload.signature, verifierPem }),
      expected: { kind: "hashedrekord", payloadSha256: sha256Hex(upload.payload), signature: base64(upload.signature), verifier },
    });
  }
  const envelopeJson = new TextDecoder().decode(upload.signature);
  const envelope = parseEnvelope(envelopeJson);
  if (Result.isFailure(envelope)) return Result.fail(`the signature is not a DSSE envelope: ${envelope.failure.reason}`);
  const [signature, ...others] = envelope.success.signatures;
  if (signature === undefined || others.length > 0) return Result.fail("the DSSE envelope must carry exactly one signature");
  const key = createPublicKey(verifierPem);
  if (verifySignature(key, preAuthEncoding(envelope.success.payloadType, envelope.success.payload), signature.sig) === undefined)
    return Result.fail("the DSSE envelope's signature does not verify with the signer's key");
  return Result.succeed({
    body: dsseBody({ envelopeJson, verifierPem }),
    expected: {
      kind: "dsse",
      payloadSha256: sha256Hex(envelope.success.payload),
      signature: base64(signature.sig),
      verifier,
      envelopeJson,
    },
  });
};

/** `{"<uuid>": {…entry…}}`, the shape of a created or fetched entry. */
export const singleEntry = (text: string): { uuid: string; entry: unknown } | undefined => {
  try {
    const parsed = parseJsonText(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed);
    const [first] = entries;
    return entries.length === 1 && first !== undefined ? { uuid: first[0], entry: first[1] } : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The Rekor adapter (transparency.md §2): proposes a `hashedrekord` or `dsse` entry, takes the
 * existing entry on 409, and returns an entry only after verifying it offline against the trusted
 * root. The log's own `/publicKey` is fetched only to compare it with the trusted key: a log that
 * announces another key fails the upload.
 */
export const makeRekorTransparencyLog = (options: RekorOptions): TransparencyLog["Service"] => ({
  upload: (upload) =>
    Effect.gen(function* () {
      const transparencyUrl = options.url();
      const failed = (reason: string) => new TransparencyUploadFailed({ reason: `Rekor ${transparencyUrl}: ${reason}` });
      const api = apiRoot(transparencyUrl);
      if (api === undefined) return yield* Effect.fail(failed("transparency.url is not an http(s) URL"));
      const proposal = proposalOf(upload);
      if (Result.isFailure(proposal)) return yield* Effect.fail(failed(proposal.failure));
      const root = yield* options.trust.trustedRoot.pipe(
        Effect.mapError((e) => failed(`no trusted log key: ${e.source}: ${e.reason}`)),
      );
      const http = <A>(effect: Effect.Effect<A, { readonly message: string }>) => Effect.mapError(effect, (e) => failed(e.message));

      const created = yield* http(rekorRequest(`${api}/entries`, { method: "POST", body: proposal.success.body }));
      let answer: string;
      if (created.status === 201) answer = created.text;
      else if (created.status === 409) {
        // An identical entry is already logged (e.g. a retry of the same signature): use it, verified.
        const uuid = (created.headers.get("location") ?? "").split("/").filter((s) => s !== "").pop();
        if (uuid === undefined || !/^[0-9a-fA-F]+$/.test(uuid)) return yield* Effect.fail(failed("409 Conflict without an entry UUID in Location"));
        const existing = yield* http(rekorRequest(`${api}/entries/${uuid}`, { method: "GET" }));
        if (existing.status !== 200) return yield* Effect.fail(failed(`GET entry ${uuid}: HTTP ${existing.status}: ${serverMessage(existing.text)}`));
        answer = existing.text;
      } else return yield* Effect.fail(failed(`HTTP ${created.status}: ${serverMessage(created.text)}`));

      const single = singleEntry(answer);
      if (single === undefined) return yield* Effect.fail(failed("the answer is not a single log entry"));
      const verified = verifyLogEntry({
        ...single,
        expected: proposal.success.expected,
        trustedLogs: root.transparencyLogs,
        certificatePem: upload.certificatePem,
        transparencyUrl,
      });
      if (Result.isFailure(verified)) return yield* Effect.fail(failed(verified.failure));

      const announced = yield* http(rekorRequest(`${api}/publicKey`, { method: "GET" }));
      const announcedId = announced.status === 200 ? logIdOfPem(announced.text) : undefined;
      if (announcedId !== verified.success.logId)
        return yield* Effect.fail(
          failed(
            announcedId === undefined
              ? `GET /api/v1/log/publicKey gave no public key (HTTP ${announced.status})`
              : `the log announces key ${announcedId}, not the trusted key ${verified.success.logId} that signed the entry`,
          ),
        );
      return verified.success satisfies TransparencyEntry;
    }),
});
