import { Effect } from "effect";
import {
  TransparencyUploadFailed,
  type TransparencyEntry,
  type TransparencyLog,
  type TransparencyUpload,
} from "../../ports/transparency-log.ts";
import { dsseBody, hashedRekordBody } from "../../domain/transparency/rekor-entry-body.ts";
import { transparencyEntryUrl } from "../../domain/transparency/log-entry.ts";
import { InjectedFailures } from "./injected-failures.ts";

type TransparencyLogShape = TransparencyLog["Service"];

export interface LoggedEntry extends TransparencyEntry {
  readonly upload: TransparencyUpload;
}

/**
 * An append-only log that hands out increasing indices and Rekor-style entries and URLs. It signs
 * nothing: its entries carry the real request body but an empty signed entry timestamp.
 */
export class InMemoryTransparencyLog implements TransparencyLogShape {
  readonly #baseUrl: string;
  readonly #entries: Array<LoggedEntry> = [];
  readonly #failures = new InjectedFailures();
  #nextIndex: number;

  /** `baseUrl` is used verbatim, like `transparency.url`: a trailing `/` gives `//api/…`. */
  constructor(baseUrl = "https://rekor.sigstore.dev", options: { readonly firstIndex?: number } = {}) {
    this.#baseUrl = baseUrl;
    this.#nextIndex = options.firstIndex ?? 0;
  }

  readonly upload = (upload: TransparencyUpload): Effect.Effect<TransparencyEntry, TransparencyUploadFailed> =>
    Effect.suspend(() => {
      const reason = this.#failures.take();
      if (reason !== undefined) return Effect.fail(new TransparencyUploadFailed({ reason }));
      const logIndex = this.#nextIndex++;
      const verifierPem = upload.certificatePem !== "" ? upload.certificatePem : upload.publicKeyPem;
      const body = upload.dsse
        ? dsseBody({ envelopeJson: new TextDecoder().decode(upload.signature), verifierPem })
        : hashedRekordBody({ payload: upload.payload, signature: upload.signature, verifierPem });
      const entry: TransparencyEntry = {
        uuid: logIndex.toString(16).padStart(64, "0"),
        logIndex,
        logId: "00".repeat(32),
        integratedTime: Math.floor(Date.now() / 1000),
        body: Buffer.from(body).toString("base64"),
        kind: upload.dsse ? "dsse" : "hashedrekord",
        signedEntryTimestamp: "",
        url: transparencyEntryUrl(this.#baseUrl, logIndex),
      };
      this.#entries.push({ ...entry, upload: copyOf(upload) });
      return Effect.succeed(entry);
    });

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
