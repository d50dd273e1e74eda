import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { Effect } from "effect";
import {
  TransparencyUploadFailed,
  type TransparencyEntry,
  type TransparencyLog,
  type TransparencyUpload,
} from "../../ports/transparency-log.ts";
import { hashedRekordBody, storedDsseBody } from "../../domain/transparency/rekor-entry-body.ts";
import { type InclusionProof, transparencyEntryUrl } from "../../domain/transparency/log-entry.ts";
import { signedEntryTimestampMessage } from "../../domain/transparency/signed-entry-timestamp.ts";
import { InjectedFailures } from "./injected-failures.ts";

type TransparencyLogShape = TransparencyLog["Service"];

export interface LoggedEntry extends TransparencyEntry {
  readonly upload: TransparencyUpload;
}

/**
 * An append-only log that hands out increasing indices and Rekor-style entries and URLs. Like
 * Rekor, it signs each entry's timestamp (SET) with a log key of its own, so bundles built from its
 * entries are well-formed and verify with `publicKeyPem`. Each entry is proven as the single leaf
 * of its own tree (as @sigstore/mock's Rekor does): a real RFC 6962 proof with a signed checkpoint,
 * without keeping a Merkle tree.
 */
export class InMemoryTransparencyLog implements TransparencyLogShape {
  /** Used verbatim, like `transparency.url`: a trailing `/` gives `//api/…`. */
  readonly baseUrl: string;
  readonly #entries: Array<LoggedEntry> = [];
  readonly #failures = new InjectedFailures();
  #nextIndex: number;
  readonly #logKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
  /** The log key, SPKI PEM: what a trusted root would hold for this log. */
  readonly publicKeyPem: string = this.#logKey.publicKey.export({ type: "spki", format: "pem" }).toString();
  readonly #logId = createHash("sha256").update(this.#logKey.publicKey.export({ type: "spki", format: "der" })).digest("hex");

  constructor(baseUrl = "https://rekor.sigstore.dev", options: { readonly firstIndex?: number } = {}) {
    this.baseUrl = baseUrl;
    this.#nextIndex = options.firstIndex ?? 0;
  }

  readonly upload = (upload: TransparencyUpload): Effect.Effect<TransparencyEntry, TransparencyUploadFailed> =>
    Effect.suspend(() => {
      const reason = this.#failures.take();
      if (reason !== undefined) return Effect.fail(new TransparencyUploadFailed({ reason }));
      const verifierPem = upload.certificatePem !== "" ? upload.certificatePem : upload.publicKeyPem;
      let body: string;
      try {
        body = upload.dsse
          ? storedDsseBody({ envelopeJson: new TextDecoder().decode(upload.signature), verifierPem })
          : hashedRekordBody({ payload: upload.payload, signature: upload.signature, verifierPem });
      } catch {
        return Effect.fail(new TransparencyUploadFailed({ reason: "400 Bad Request: the dsse entry is not a DSSE envelope" }));
      }
      const fields = {
        logIndex: this.#nextIndex++,
        logId: this.#logId,
        integratedTime: Math.floor(Date.now() / 1000),
        body: Buffer.from(body).toString("base64"),
      };
      const entry: TransparencyEntry = {
        ...fields,
        uuid: fields.logIndex.toString(16).padStart(64, "0"),
        kind: upload.dsse ? "dsse" : "hashedrekord",
        signedEntryTimestamp: sign("sha256", signedEntryTimestampMessage(fields), this.#logKey.privateKey).toString("base64"),
        inclusionProof: this.#singleLeafProof(body, fields.integratedTime),
        url: transparencyEntryUrl(this.baseUrl, fields.logIndex),
      };
      this.#entries.push({ ...entry, upload: copyOf(upload) });
      return Effect.succeed(entry);
    });

  /** RFC 6962: a one-leaf tree's root is the leaf hash, sha256(0x00 ‖ body); the note is signed like Rekor's. */
  #singleLeafProof(body: string, integratedTime: number): InclusionProof {
    const rootHash = createHash("sha256").update(Buffer.from([0])).update(body).digest();
    // Rekor's note: origin `<host> - <tree id>`, signed under the host name, which verifiers match
    // against the log's base URL.
    const host = URL.canParse(this.baseUrl) ? new URL(this.baseUrl).host : "in-memory-log";
    const note = `${host} - 0\n1\n${rootHash.toString("base64")}\nTimestamp: ${integratedTime * 1_000_000_000}\n`;
    const signature = sign("sha256", Buffer.from(note), this.#logKey.privateKey);
    const keyHint = Buffer.from(this.#logId, "hex").subarray(0, 4);
    const checkpoint = `${note}\n\u2014 ${host} ${Buffer.concat([keyHint, signature]).toString("base64")}\n`;
    return { logIndex: 0, treeSize: 1, rootHash: rootHash.toString("hex"), hashes: [], checkpoint };
  }

  entries(): Array<LoggedEntry> {
    return this.#entries.map((e) => ({ ...e, upload: copyOf(e.upload) }));
  }

  /** Makes the next `times` uploads fail (replacing any pending injection). */
  failNext(times: number, reason?: string): void {
    this.#failures.arm(times, reason);
  }
}

const copyOf = (upload: TransparencyUpload): TransparencyUpload => ({
  ...upload,
  payload: upload.payload.slice(),
  signature: upload.signature.slice(),
});
