import { Effect } from "effect";
import {
  TransparencyUploadFailed,
  type TransparencyEntry,
  type TransparencyLog,
  type TransparencyUpload,
} from "../../ports/transparency-log.ts";
import { InjectedFailures } from "./injected-failures.ts";

type TransparencyLogShape = TransparencyLog["Service"];

export interface LoggedEntry extends TransparencyEntry {
  readonly upload: TransparencyUpload;
}

/** An append-only log that hands out increasing indices and Rekor-style entry URLs. */
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
      const entry = { logIndex, url: `${this.#baseUrl}/api/v1/log/entries?logIndex=${logIndex}` };
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
