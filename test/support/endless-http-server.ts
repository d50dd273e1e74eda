import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface EndlessServer {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** Body bytes written so far, over all responses. */
  readonly bytesSent: () => number;
  readonly stop: () => Promise<void>;
}

/**
 * A loopback HTTP server that answers `handle`'s requests itself, or (when it returns "endless")
 * with a 200 JSON body that never ends: 64 KiB chunks until the client hangs up. A client that
 * does not cap what it reads never finishes.
 */
export const startEndlessServer = async (
  handle: (req: IncomingMessage, res: ServerResponse, host: string) => "endless" | void,
  headers: Readonly<Record<string, string>> = {},
): Promise<EndlessServer> => {
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, "a");
  let host = "";
  const server = createServer((req, res) => {
    if (handle(req, res, host) !== "endless") return;
    res.writeHead(200, { "Content-Type": "application/json", "Metadata-Flavor": "Google", ...headers });
    res.write('{"token":"');
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      if (!res.destroyed) res.once("drain", pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    bytesSent: () => sent,
    stop: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
};
