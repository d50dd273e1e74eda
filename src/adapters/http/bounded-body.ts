import { Data } from "effect";

/**
 * Caps on the response bodies chains-ts reads. Registry hosts come from run results and KMS or
 * metadata addresses from config, so a server could otherwise stream a body until the controller
 * runs out of memory. Each cap is far above what a well-behaved server sends.
 */

/**
 * Registry responses: manifests, image indexes, referrer and tag pages, error bodies. The OCI
 * distribution spec has registries accept manifests of at least 4 MiB, and chains-ts never
 * downloads blobs (it only checks and uploads them).
 */
export const MAX_REGISTRY_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Token endpoint answers (registry token realms, the GCE metadata server): one JSON object with a token of a few KiB. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/** KMS and OAuth JSON APIs (Vault transit, Cloud KMS): keys, signatures and version lists of a few KiB. */
export const MAX_API_RESPONSE_BYTES = 1024 * 1024;

/** A response body, declared or streamed, went over its cap; reading stopped there. */
export class ResponseTooLarge extends Data.TaggedError("ResponseTooLarge")<{
  readonly url: string;
  readonly limit: number;
}> {
  override get message(): string {
    return `response larger than ${describeSize(this.limit)}; stopped reading`;
  }
}

const describeSize = (bytes: number): string =>
  bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : bytes >= 1024 && bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`;

/**
 * Reads `response`'s body, at most `limit` bytes: a larger Content-Length is refused before
 * reading, and a body that streams past the cap is cancelled there (closing the connection).
 */
export const readBodyCapped = async (response: Response, limit: number, url: string): Promise<Uint8Array> => {
  const declared = Number(response.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLarge({ url, limit });
  }
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Array<Uint8Array> = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLarge({ url, limit });
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
};

/** `readBodyCapped` as UTF-8 text. */
export const readTextCapped = async (response: Response, limit: number, url: string): Promise<string> =>
  new TextDecoder().decode(await readBodyCapped(response, limit, url));
