import { Effect, Result } from "effect";
import { fetchLogEntry } from "../../adapters/rekor/fetch-log-entry.ts";
import { apiRoot, proposalOf } from "../../adapters/rekor/rekor-transparency-log.ts";
import { verifyLogEntry } from "../../adapters/rekor/verify-log-entry.ts";
import { TRANSPARENCY_ANNOTATION } from "../../domain/annotations/chains-annotations.ts";
import type { VerifiedLogEntry } from "../../domain/transparency/log-entry.ts";
import type { TrustedKey } from "../../ports/sigstore-trust.ts";
import type { TransparencyUpload } from "../../ports/transparency-log.ts";

/** The annotation that names a signature's Rekor entry, and its value. */
export interface NamedEntry {
  readonly annotation: string;
  readonly url: string;
}

/**
 * Where the run says the signature `shortKey` is logged: chains-ts's `transparency-<shortKey>`, or
 * for a run with a single signature the reference's `transparency` (which holds only the last
 * entry, so with several signatures it cannot be told whose it is).
 */
export const namedEntry = (
  annotations: Readonly<Record<string, unknown>>,
  shortKey: string,
  signatureCount: number,
): NamedEntry | undefined => {
  const own = `${TRANSPARENCY_ANNOTATION}-${shortKey}`;
  const candidates = signatureCount === 1 ? [own, TRANSPARENCY_ANNOTATION] : [own];
  for (const annotation of candidates) {
    const url = annotations[annotation];
    if (typeof url === "string" && url !== "") return { annotation, url };
  }
  return undefined;
};

export interface EntryCheck {
  readonly named: NamedEntry;
  /** `--rekor-url`: where to fetch the entry instead of the annotation's own URL. */
  readonly rekorUrl: string | undefined;
  /** The verified signature, as it would have been uploaded. */
  readonly upload: TransparencyUpload;
  readonly trustedLogs: ReadonlyArray<TrustedKey>;
}

const logIndexOf = (url: URL): number | undefined => {
  const text = url.searchParams.get("logIndex") ?? "";
  return /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
};

/**
 * Fetches the named entry and verifies it offline against the trusted root's log keys: its SET,
 * its inclusion proof, that it logs exactly this signature and verifier, and that it is the
 * entry the annotation names. Where it is fetched from does not matter to trust.
 */
export const checkTransparencyEntry = async (check: EntryCheck): Promise<Result.Result<VerifiedLogEntry, string>> => {
  const { annotation, url: named } = check.named;
  let location: URL;
  try {
    location = new URL(named);
  } catch {
    return Result.fail(`${annotation} is not a URL: ${JSON.stringify(named)}`);
  }
  const logIndex = logIndexOf(location);
  if (logIndex === undefined) return Result.fail(`${annotation} names no logIndex: ${named}`);
  if (check.rekorUrl === undefined && location.protocol !== "https:" && location.protocol !== "http:")
    return Result.fail(`${annotation}: not an http(s) URL: ${named}`);
  // --rekor-url was checked to be http(s) when the command line was read.
  const source = check.rekorUrl === undefined ? named : `${apiRoot(check.rekorUrl)}/entries?logIndex=${logIndex}`;
  const expected = proposalOf(check.upload);
  if (Result.isFailure(expected)) return Result.fail(expected.failure);
  const fetched = await Effect.runPromise(Effect.result(fetchLogEntry(source)));
  if (Result.isFailure(fetched)) return Result.fail(`Rekor entry ${logIndex}: ${fetched.failure}`);
  const verified = verifyLogEntry({
    ...fetched.success,
    expected: expected.success.expected,
    trustedLogs: check.trustedLogs,
    certificatePem: check.upload.certificatePem,
    transparencyUrl: check.rekorUrl ?? location.origin,
  });
  if (Result.isFailure(verified)) return Result.fail(`Rekor entry ${logIndex} (${annotation}): ${verified.failure}`);
  if (verified.success.logIndex !== logIndex)
    return Result.fail(`${annotation} names entry ${logIndex}, but the log answered with entry ${verified.success.logIndex}`);
  return verified;
};
