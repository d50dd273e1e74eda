import { Effect, Schema } from "effect";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  MAX_API_RESPONSE_BYTES,
  MAX_REGISTRY_RESPONSE_BYTES,
  MAX_TOKEN_RESPONSE_BYTES,
  ResponseTooLarge,
  readBodyCapped,
} from "../../src/adapters/http/bounded-body.ts";
import { requestJson } from "../../src/adapters/signing/kms/kms-http.ts";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import { gceMetadataKeychain } from "../../src/adapters/registry/keychains/gce-metadata-keychain.ts";
import { anonymousKeychain } from "../../src/domain/oci/registry-credential.ts";
import { startEndlessServer, type EndlessServer } from "../support/endless-http-server.ts";
import { failureOf } from "./registry-fixtures.ts";

const servers: Array<EndlessServer> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});
const endless = async (...args: Parameters<typeof startEndlessServer>) => {
  const server = await startEndlessServer(...args);
  servers.push(server);
  return server;
};
const noRetry = { attempts: 1, initialDelayMs: 1, maxDelayMs: 1, requestTimeoutMs: 30_000 };
const MiB = 1024 * 1024;
/** What the kernel may buffer between server and client besides what was read; generous. */
const socketSlack = 32 * MiB;

describe("the bounded body reader", () => {
  // A body is returned whole exactly when it is no larger than the cap, however it is chunked.
  it("returns a body of at most `limit` bytes whole, and refuses a larger one", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 8 }), fc.integer({ min: 0, max: 1200 }), async (sizes, limit) => {
        const chunks = sizes.map((n, i) => new Uint8Array(n).fill(i));
        const total = sizes.reduce((a, b) => a + b, 0);
        const body = new ReadableStream<Uint8Array>({
          start: (controller) => {
            for (const c of chunks) controller.enqueue(c);
            controller.close();
          },
        });
        const read = await readBodyCapped(new Response(body), limit, "https://x.example/").then(
          (bytes) => bytes,
          (error: unknown) => error,
        );
        if (total <= limit) expect(read).toEqual(new Uint8Array(Buffer.concat(chunks)));
        else expect(read).toBeInstanceOf(ResponseTooLarge);
      }),
    );
  });

  it("refuses a declared Content-Length over the cap before reading", async () => {
    const response = new Response("{}", { headers: { "content-length": String(MAX_TOKEN_RESPONSE_BYTES + 1) } });
    await expect(readBodyCapped(response, MAX_TOKEN_RESPONSE_BYTES, "https://x.example/")).rejects.toBeInstanceOf(ResponseTooLarge);
  });
});

describe("every response body read is capped", { timeout: 60_000 }, () => {
  it("a registry manifest response: at 4 MiB", async () => {
    const registry = await endless(() => "endless", { "Content-Type": "application/vnd.oci.image.manifest.v1+json" });
    const session = distributionSession({ insecure: false, keychain: anonymousKeychain, retry: noRetry });
    const error = await failureOf(session.getManifest({ registry: registry.host, repository: "team/app" }, "v1"));
    expect(error.reason).toContain(`larger than ${MAX_REGISTRY_RESPONSE_BYTES / MiB} MiB`);
    expect(registry.bytesSent()).toBeLessThan(MAX_REGISTRY_RESPONSE_BYTES + socketSlack);
  });

  it("a token realm's response: at 64 KiB", async () => {
    const registry = await endless((req, res, host) => {
      if (req.url?.startsWith("/token")) return "endless";
      res.writeHead(401, { "WWW-Authenticate": `Bearer realm="http://${host}/token",service="reg"` }).end();
    });
    const session = distributionSession({ insecure: false, keychain: anonymousKeychain, retry: noRetry });
    const error = await failureOf(session.getManifest({ registry: registry.host, repository: "team/app" }, "v1"));
    expect(error.reason).toContain(`larger than ${MAX_TOKEN_RESPONSE_BYTES / 1024} KiB`);
  });

  it("a KMS (Vault, Cloud KMS, OAuth) JSON response: at 1 MiB", async () => {
    const kms = await endless(() => "endless");
    const failure = await Effect.runPromise(Effect.flip(requestJson({ url: `http://${kms.host}/v1/transit/keys/k` }, Schema.Unknown)));
    expect(failure.detail).toContain(`larger than ${MAX_API_RESPONSE_BYTES / MiB} MiB`);
    expect(kms.bytesSent()).toBeLessThan(MAX_API_RESPONSE_BYTES + socketSlack);
  });

  it("the GCE metadata server's token: at 64 KiB, as no Google credentials", async () => {
    const metadata = await endless(() => "endless");
    const logs: Array<string> = [];
    const keychain = gceMetadataKeychain({ env: { GCE_METADATA_HOST: metadata.host }, log: (_, m) => logs.push(m) });
    const credential = await Effect.runPromise(keychain("gcr.io", "p/app"));
    expect(credential._tag).toBe("Anonymous");
    expect(logs.join("\n")).toContain(`larger than ${MAX_TOKEN_RESPONSE_BYTES / 1024} KiB`);
  });
});
