/**
 * A loopback server for the parts of the Cloud Storage JSON API the official client uses in
 * these tests: single-request (`uploadType=multipart`) uploads and media downloads
 * (`alt=media`), with the MD5 hashes the client checks on both, bearer tokens checked on every
 * request, and injectable upload failures. Objects live in memory.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type GoogleBearerTokens, googleBearerTokens, googleError, METADATA_TOKEN_PATH, readRequestBody } from "./google-bearer-tokens.ts";

export interface GcsJsonApiServer {
  /** `127.0.0.1:<port>`: the value of STORAGE_EMULATOR_HOST and of GCE_METADATA_HOST. */
  readonly host: string;
  readonly tokens: GoogleBearerTokens;
  /** Object names in upload order, as `<bucket>/<name>`. */
  readonly uploads: ReadonlyArray<string>;
  object(bucket: string, name: string): Buffer | undefined;
  /** The next `times` uploads answer `status`. */
  failUploads(times: number, status: number): void;
  /** The next `times` uploads are stored but answered with a wrong MD5, as a corrupted write would be. */
  corruptUploads(times: number): void;
  close(): Promise<void>;
}

const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("base64");

/** The parts of a `multipart/related` body: each part's headers and raw bytes. */
const multipartParts = (body: Buffer, contentType: string): ReadonlyArray<{ readonly headers: string; readonly bytes: Buffer }> => {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (boundary === undefined) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: string; bytes: Buffer }> = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd >= 0) {
      // The part ends with the CRLF that precedes the next delimiter.
      parts.push({ headers: part.subarray(0, headerEnd).toString("latin1"), bytes: part.subarray(headerEnd + 4, part.length - 2) });
    }
    start = next;
  }
  return parts;
};

export const startGcsJsonApiServer = async (): Promise<GcsJsonApiServer> => {
  const tokens = googleBearerTokens();
  const objects = new Map<string, Buffer>();
  const uploads: Array<string> = [];
  let failures: { times: number; status: number } = { times: 0, status: 0 };
  let corruptions = 0;

  const upload = async (request: IncomingMessage, response: ServerResponse, bucket: string, url: URL) => {
    const body = await readRequestBody(request);
    if (failures.times > 0) {
      failures.times -= 1;
      return googleError(response, failures.status, "UNAVAILABLE", "injected upload failure");
    }
    if (url.searchParams.get("uploadType") !== "multipart") return googleError(response, 400, "INVALID_ARGUMENT", "only multipart uploads");
    const [metadataPart, mediaPart] = multipartParts(body, request.headers["content-type"] ?? "");
    const name = url.searchParams.get("name") ?? (metadataPart === undefined ? undefined : (JSON.parse(metadataPart.bytes.toString()) as { name?: string }).name);
    if (mediaPart === undefined || name === undefined) return googleError(response, 400, "INVALID_ARGUMENT", "no object name or media");
    objects.set(`${bucket}/${name}`, Buffer.from(mediaPart.bytes));
    uploads.push(`${bucket}/${name}`);
    const reportedMd5 = corruptions > 0 ? md5(Buffer.from("not what was sent")) : md5(mediaPart.bytes);
    if (corruptions > 0) corruptions -= 1;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ kind: "storage#object", bucket, name, size: String(mediaPart.bytes.length), md5Hash: reportedMd5, generation: "1" }),
    );
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname === METADATA_TOKEN_PATH) return tokens.serveMetadataToken(request, response);
    if (!tokens.authorized(request)) return googleError(response, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    const uploadPath = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (request.method === "POST" && uploadPath?.[1] !== undefined) {
      upload(request, response, decodeURIComponent(uploadPath[1]), url).catch(() => googleError(response, 500, "INTERNAL", "upload failed"));
      return;
    }
    // DELETE is what the client sends after an upload whose hash does not match.
    const objectPath = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (objectPath?.[1] !== undefined && objectPath[2] !== undefined) {
      const key = `${decodeURIComponent(objectPath[1])}/${decodeURIComponent(objectPath[2])}`;
      const bytes = objects.get(key);
      if (bytes === undefined) return googleError(response, 404, "NOT_FOUND", `No such object: ${key}`);
      if (request.method === "DELETE") {
        objects.delete(key);
        response.writeHead(204).end();
        return;
      }
      if (request.method === "GET" && url.searchParams.get("alt") === "media") {
        response.writeHead(200, { "content-type": "application/octet-stream", "x-goog-hash": `md5=${md5(bytes)}`, "content-length": bytes.length });
        response.end(bytes);
        return;
      }
    }
    googleError(response, 404, "NOT_FOUND", `${request.method} ${url.pathname} is not emulated`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    tokens,
    uploads,
    object: (bucket, name) => objects.get(`${bucket}/${name}`),
    failUploads: (times, status) => {
      failures = { times, status };
    },
    corruptUploads: (times) => {
      corruptions = times;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
