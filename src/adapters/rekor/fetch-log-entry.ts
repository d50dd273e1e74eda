import { Effect } from "effect";
import { rekorRequest, serverMessage } from "./rekor-http.ts";
import { singleEntry } from "./rekor-transparency-log.ts";

/** An entry as Rekor returned it, not yet verified: the caller checks it offline against the trusted root. */
export interface FetchedLogEntry {
  readonly uuid: string;
  readonly entry: unknown;
}

/**
 * GET of one entry (e.g. `<rekor>/api/v1/log/entries?logIndex=N`, the value of a transparency
 * annotation), with the Rekor client's caps and retries. Fails with the reason, for a report.
 */
export const fetchLogEntry = (url: string): Effect.Effect<FetchedLogEntry, string> =>
  Effect.gen(function* () {
    const answer = yield* Effect.mapError(rekorRequest(url, { method: "GET" }), (error) => error.message);
    if (answer.status !== 200) return yield* Effect.fail(`GET ${url}: HTTP ${answer.status}: ${serverMessage(answer.text)}`);
    const single = singleEntry(answer.text);
    return single ?? (yield* Effect.fail(`GET ${url}: the answer is not a single log entry`));
  });
