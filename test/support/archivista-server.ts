/**
 * A loopback Archivista: `POST /upload` takes a DSSE envelope (JSON with payload, payloadType and
 * signatures, else 400) and answers `{"gitoid": …}`, the sha256 gitoid of the bytes received;
 * `GET /download/<gitoid>` returns them. Uploads can be made to fail.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readRequestBody } from "./google-bearer-tokens.ts";

export interface ArchivistaServer {
  /** `http://127.0.0.1:<port>`: the value of `storage.archivista.url`. */
  readonly url: string;
  /** Every accepted upload, in order. */
  readonly uploads: ReadonlyArray<{ readonly gitoid: string; readonly body: Buffer; readonly contentType: string | undefined }>;
  /** The next `times` uploads answer 500. */
  failUploads(times: number): void;
  close(): Promise<void>;
}

/** A git blob's object id with sha256, as Archivista names what it stores. */
const gitoidOf = (bytes: Buffer) =>
  `gitoid:blob:sha256:${createHash("sha256").update(`blob ${bytes.length}\0`).update(bytes).digest("hex")}`;

export const startArchivistaServer = async (): Promise<ArchivistaServer> => {
  const uploads: Array<{ gitoid: string; body: Buffer; contentType: string | undefined }> = [];
  let failures = 0;
  const server = createServer((request, response) => {
    readRequestBody(request).then((body) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      if (request.method === "POST" && url.pathname === "/upload") {
        if (failures > 0) {
          failures -= 1;
          response.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "injected upload failure" }));
          return;
        }
        let envelope: Record<string, unknown> | undefined;
        try {
          envelope = JSON.parse(body.toString()) as Record<string, unknown>;
        } catch {
          envelope = undefined;
        }
        if (typeof envelope?.["payload"] !== "string" || typeof envelope["payloadType"] !== "string" || !Array.isArray(envelope["signatures"])) {
          response.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "not a DSSE envelope" }));
          return;
        }
        const gitoid = gitoidOf(body);
        uploads.push({ gitoid, body, contentType: request.headers["content-type"] });
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ gitoid }));
        return;
      }
      const download = /^\/download\/(.+)$/.exec(url.pathname)?.[1];
      const found = uploads.find((u) => u.gitoid === decodeURIComponent(download ?? ""));
      if (request.method === "GET" && found !== undefined) {
        response.writeHead(200, { "content-type": "application/json" }).end(found.body);
        return;
      }
      response.writeHead(404).end();
    }, () => response.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    uploads,
    failUploads: (times) => {
      failures = times;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
