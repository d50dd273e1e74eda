import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";

/** What the proxy does with one request: forward it, answer with a status itself, or never answer. */
export type Fault = "pass" | "hang" | { readonly status: number; readonly headers?: Record<string, string> };

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  /** What the proxy did. */
  readonly fault: Fault;
}

export interface FaultProxy {
  readonly host: string;
  readonly seen: ReadonlyArray<SeenRequest>;
  /** Decides per request; replaced between test steps. */
  decide: (method: string, path: string) => Fault;
  readonly stop: () => Promise<void>;
}

/** A loopback HTTP proxy in front of a registry that injects 5xx/429 answers and hangs. */
export const startFaultProxy = async (target: string): Promise<FaultProxy> => {
  const seen: SeenRequest[] = [];
  const hung: ServerResponse[] = [];
  const proxy: FaultProxy = {
    host: "",
    seen,
    decide: () => "pass",
    stop: async () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const fault = proxy.decide(method, path);
    seen.push({ method, path, fault });
    if (fault === "hang") {
      req.resume();
      hung.push(res);
      return;
    }
    if (fault !== "pass") {
      req.resume();
      res.writeHead(fault.status, { "Content-Type": "application/json", ...fault.headers });
      res.end(JSON.stringify({ errors: [{ code: "INJECTED", message: `injected ${fault.status}` }] }));
      return;
    }
    const [hostname, port] = target.split(":");
    const upstream = httpRequest(
      { hostname, port: Number(port), method, path, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return Object.assign(proxy, { host: `127.0.0.1:${port}` });
};
