// The run requests chains-ts sends itself (not through client-node's typed clients), over TLS as
// in a cluster: the kubeconfig's CA and bearer token, against an https loopback server whose
// certificate openssl made.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { ApiException, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeApiError } from "../../src/adapters/kubernetes/api-errors.ts";
import { requestJson } from "../../src/adapters/kubernetes/json-requests.ts";
import { selfSignedEcCertificate } from "../support/self-signed-certificate.ts";

/** A key and a self-signed certificate for 127.0.0.1. */
const loopbackCertificate = () => selfSignedEcCertificate("/CN=127.0.0.1", ["subjectAltName=IP:127.0.0.1"]);

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
}

let server: Server;
let port: number;
let serverCertificate: string;
const seen: Array<Seen> = [];

beforeAll(async () => {
  const { keyPem, certPem } = loopbackCertificate();
  serverCertificate = certPem;
  server = createServer({ key: keyPem, cert: certPem }, (request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      seen.push({
        method: request.method ?? "",
        url: request.url ?? "",
        authorization: request.headers.authorization,
        contentType: request.headers["content-type"],
        body,
      });
      if (request.url?.includes("/missing")) {
        response.writeHead(404, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ kind: "Status", code: 404, message: 'taskruns.tekton.dev "missing" not found' }));
        return;
      }
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end('{"metadata":{"name":"a"},"spec":{"params":[{"value":{"\\u003c":"x"}}]}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const kubeConfig = (caPem: string): KubeConfig => {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "c", server: `https://127.0.0.1:${port}`, caData: Buffer.from(caPem).toString("base64") }],
    users: [{ name: "u", token: "service-account-token" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return config;
};

describe("requestJson", () => {
  it("sends the kubeconfig's token over TLS checked against its CA, and reads the answer's escaped keys exactly", async () => {
    const path = "/apis/tekton.dev/v1/namespaces/default/taskruns/a";
    const read = await requestJson(kubeConfig(serverCertificate), { method: "GET", path, query: { limit: 5, continue: undefined } });
    expect(read).toEqual({ metadata: { name: "a" }, spec: { params: [{ value: { "<": "x" } }] } });
    await requestJson(kubeConfig(serverCertificate), {
      method: "PATCH",
      path,
      body: { json: { metadata: { annotations: { "chains.tekton.dev/signed": "true" } } }, contentType: "application/merge-patch+json" },
    });
    expect(seen.slice(-2)).toEqual([
      { method: "GET", url: `${path}?limit=5`, authorization: "Bearer service-account-token", contentType: undefined, body: "" },
      {
        method: "PATCH",
        url: path,
        authorization: "Bearer service-account-token",
        contentType: "application/merge-patch+json",
        body: '{"metadata":{"annotations":{"chains.tekton.dev/signed":"true"}}}',
      },
    ]);
  });

  it("refuses a server whose certificate the kubeconfig's CA did not sign", async () => {
    const sent = seen.length;
    await expect(requestJson(kubeConfig(loopbackCertificate().certPem), { method: "GET", path: "/api" })).rejects.toThrow();
    expect(seen.length).toBe(sent);
  });

  it("throws client-node's ApiException for an answer outside 2xx, with the API's message", async () => {
    const failure = await requestJson(kubeConfig(serverCertificate), { method: "GET", path: "/apis/tekton.dev/v1/namespaces/default/taskruns/missing" }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ApiException);
    expect(describeApiError(failure)).toBe('HTTP 404: taskruns.tekton.dev "missing" not found');
  });
});
