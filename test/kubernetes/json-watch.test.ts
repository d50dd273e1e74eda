import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiException, KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { openJsonWatch, WatchLineUnreadable } from "../../src/adapters/kubernetes/json-watch.ts";
import { until } from "../support/until.ts";

type Respond = (response: ServerResponse, url: URL) => void | Promise<void>;

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of servers.splice(0)) await close();
});

/** A loopback API server answering every request with `respond`, and a kubeconfig for it. */
const serve = async (respond: Respond) => {
  const urls: Array<URL> = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    urls.push(url);
    void respond(response, url);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return { config, urls };
};

/** Opens a watch and records what it hands over. */
const watch = async (config: KubeConfig, idleTimeoutMs = 10_000) => {
  const events: Array<[string, unknown]> = [];
  const done: Array<unknown> = [];
  const controller = await openJsonWatch(
    config,
    "/apis/tekton.dev/v1/taskruns",
    { resourceVersion: "7", allowWatchBookmarks: true, fieldSelector: undefined },
    (type, object) => events.push([type, object]),
    (error) => done.push(error),
    idleTimeoutMs,
  );
  return { events, done, controller };
};

const sent = [
  { type: "ADDED", object: { metadata: { name: "é-😀".repeat(40) }, spec: { params: [{ name: "p", value: { lead: "", '"': "y" } }] } } },
  { type: "BOOKMARK", object: { metadata: { resourceVersion: "8" } } },
  { type: "DELETED", object: { metadata: { name: "b" }, note: "x".repeat(5000) } },
];

describe("openJsonWatch", () => {
  it("asks for a watch with the query, and delivers every event however the stream is cut", async () => {
    const bytes = Buffer.from(sent.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const { config, urls } = await serve(async (response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      // Cuts of 1 to 13 bytes: inside keys, escapes and multi-byte characters.
      for (let at = 0, size = 1; at < bytes.length; at += size, size = (size % 13) + 1) {
        response.write(bytes.subarray(at, at + size));
        await new Promise((resolve) => setImmediate(resolve));
      }
      response.end();
    });
    const { events, done } = await watch(config);
    await until(() => done.length > 0, "the end of the stream");
    expect(events).toEqual(sent.map((e) => [e.type, e.object]));
    expect(done).toEqual([null]);
    expect(Object.fromEntries(urls[0]!.searchParams)).toEqual({ resourceVersion: "7", allowWatchBookmarks: "true", watch: "true" });
  });

  it("ends with WatchLineUnreadable on a line that is not an event, and delivers nothing after it", async () => {
    const { config } = await serve((response) => {
      response.writeHead(200);
      response.end(`${JSON.stringify(sent[0])}\n{"type":"ADDED","obj\n${JSON.stringify(sent[1])}\n`);
    });
    const { events, done } = await watch(config);
    await until(() => done.length > 0, "the end of the watch");
    expect(events).toEqual([[sent[0]!.type, sent[0]!.object]]);
    expect(done).toHaveLength(1);
    expect(done[0]).toBeInstanceOf(WatchLineUnreadable);
  });

  it("ends with the API's status for an answer other than 200", async () => {
    const { config } = await serve((response) => {
      response.writeHead(410, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ kind: "Status", code: 410, message: "too old resource version" }));
    });
    const { events, done } = await watch(config);
    await until(() => done.length > 0, "the answer");
    expect(events).toEqual([]);
    expect(done[0]).toBeInstanceOf(ApiException);
    expect((done[0] as ApiException<string>).code).toBe(410);
    expect((done[0] as ApiException<string>).body).toContain("too old resource version");
  });

  it("ends with a TimeoutError when the stream sends nothing for the idle timeout", async () => {
    const { config } = await serve((response) => {
      response.writeHead(200);
      response.write(`${JSON.stringify(sent[1])}\n`);
    });
    const { events, done } = await watch(config, 1000);
    await until(() => done.length > 0, "the idle timeout");
    expect(events).toEqual([[sent[1]!.type, sent[1]!.object]]);
    expect(done).toHaveLength(1);
    expect((done[0] as Error).name).toBe("TimeoutError");
  });

  it("closes the stream and ends once when the caller aborts", async () => {
    let closed = false;
    const { config } = await serve((response) => {
      response.writeHead(200);
      response.write(`${JSON.stringify(sent[0])}\n`);
      response.on("close", () => (closed = true));
    });
    const { events, done, controller } = await watch(config);
    await until(() => events.length === 1, "the first event");
    controller.abort();
    await until(() => closed && done.length > 0, "the closed stream");
    expect(events).toHaveLength(1);
    expect(done).toHaveLength(1);
  });
});
