// The Google keychain against a loopback stand-in for the GCE metadata server (GCE_METADATA_HOST).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Effect, Redacted } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import { gceMetadataKeychain } from "../../src/adapters/registry/keychains/gce-metadata-keychain.ts";
import type { Keychain, RegistryCredential } from "../../src/domain/oci/registry-credential.ts";

const tokenPath = "/computeMetadata/v1/instance/service-accounts/default/token";
const shown = (c: RegistryCredential) => (c._tag === "Basic" ? `${c.username}:${Redacted.value(c.password)}` : c._tag);
const lookup = (keychain: Keychain, registry: string) => Effect.runPromise(keychain(registry, "project/app")).then(shown);

interface FakeMetadataServer {
  readonly host: string;
  readonly requests: Array<{ readonly path: string; readonly headers: IncomingHttpHeaders }>;
  readonly close: () => Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  // Closing drops held connections too: one test's server never answers.
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => (s.close(resolve), s.closeAllConnections()))));
});

/** Answers each token request with the next of `tokens` (an access token, or an HTTP status), as GCE does. */
const startMetadataServer = async (tokens: ReadonlyArray<string | number>, port = 0): Promise<FakeMetadataServer> => {
  const requests: FakeMetadataServer["requests"] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", headers: req.headers });
    const next = tokens[Math.min(requests.length, tokens.length) - 1] ?? 404;
    res.setHeader("Metadata-Flavor", "Google");
    if (req.url !== tokenPath || req.headers["metadata-flavor"] !== "Google" || typeof next === "number") {
      res.writeHead(typeof next === "number" ? next : 403).end("no");
      return;
    }
    res.setHeader("Content-Type", "application/json").end(JSON.stringify({ access_token: next, expires_in: 3599, token_type: "Bearer" }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return { host: `127.0.0.1:${address.port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
};

const clock = () => new ManualClock(new Date(1_000_000));

describe("GCE metadata keychain (storage.md §5 step 3, Google)", () => {
  it("gives gcr.io and Artifact Registry the service account's token as oauth2accesstoken, and nothing to other hosts", async () => {
    const metadata = await startMetadataServer(["ya29.first-s3cret", "ya29.second-s3cret"]);
    const time = clock();
    const logs: string[] = [];
    const keychain = gceMetadataKeychain({ env: { GCE_METADATA_HOST: metadata.host }, log: (l, m) => logs.push(`${l} ${m}`), clock: time });
    expect(await lookup(keychain, "registry.example.com")).toBe("Anonymous");
    expect(await lookup(keychain, "ghcr.io")).toBe("Anonymous");
    expect(await lookup(keychain, "notgcr.io")).toBe("Anonymous");
    expect(metadata.requests).toHaveLength(0);
    const [a, b, c] = await Promise.all(["gcr.io", "eu.gcr.io", "europe-west1-docker.pkg.dev"].map((r) => lookup(keychain, r)));
    expect([a, b, c]).toEqual(Array(3).fill("oauth2accesstoken:ya29.first-s3cret"));
    // Concurrent lookups shared one request, which carried the header the metadata server requires.
    expect(metadata.requests).toHaveLength(1);
    expect(metadata.requests[0]?.path).toBe("/computeMetadata/v1/instance/service-accounts/default/token");
    expect(metadata.requests[0]?.headers["metadata-flavor"]).toBe("Google");
    // Kept until shortly before it expires (3599 s), then fetched again.
    time.advance(3_500_000);
    expect(await lookup(keychain, "us-docker.pkg.dev")).toBe("oauth2accesstoken:ya29.first-s3cret");
    expect(metadata.requests).toHaveLength(1);
    time.advance(60_000);
    expect(await lookup(keychain, "gcr.io")).toBe("oauth2accesstoken:ya29.second-s3cret");
    expect(metadata.requests).toHaveLength(2);
    expect(logs).toEqual([]);
  });

  it("is anonymous at once off GCP, and does not ask again for a while", async () => {
    const probe = await startMetadataServer([]);
    const port = Number(probe.host.split(":")[1]);
    await probe.close();
    const time = clock();
    const logs: string[] = [];
    // "At once": the refused connection ends the lookup; a keychain that waited for its
    // timeout instead would outlast the test's own timeout.
    const keychain = gceMetadataKeychain({
      env: { GCE_METADATA_HOST: `127.0.0.1:${port}` },
      log: (l, m) => logs.push(`${l} ${m}`),
      clock: time,
      timeoutMs: 3_600_000,
    });
    expect(await lookup(keychain, "gcr.io")).toBe("Anonymous");
    expect(logs).toEqual([expect.stringMatching(/^info GCE metadata server 127\.0\.0\.1:\d+: not reachable \(not on GCP\?\); no Google registry credentials from it for 300 s$/)]);
    // A server appearing there is not asked until the 5 minutes are over.
    const metadata = await startMetadataServer(["ya29.late-s3cret"], port);
    expect(await lookup(keychain, "gcr.io")).toBe("Anonymous");
    expect(metadata.requests).toHaveLength(0);
    time.advance(5 * 60_000);
    expect(await lookup(keychain, "gcr.io")).toBe("oauth2accesstoken:ya29.late-s3cret");
    expect(logs).toHaveLength(1);
  });

  it("gives up on a server that does not answer in time, or refuses, with a warning that holds no token", async () => {
    const silent = createServer(() => undefined);
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const logs: string[] = [];
    const hanging = gceMetadataKeychain({
      env: { GCE_METADATA_HOST: `127.0.0.1:${(silent.address() as AddressInfo).port}` },
      log: (l, m) => logs.push(`${l} ${m}`),
      timeoutMs: 200,
    });
    expect(await lookup(hanging, "gcr.io")).toBe("Anonymous");
    const refusing = await startMetadataServer([404]);
    expect(await lookup(gceMetadataKeychain({ env: { GCE_METADATA_HOST: refusing.host }, log: (l, m) => logs.push(`${l} ${m}`) }), "gcr.io")).toBe(
      "Anonymous",
    );
    expect(logs).toEqual([
      expect.stringMatching(/^info GCE metadata server .*: no answer within 200 ms;/),
      expect.stringMatching(/^warning GCE metadata server .*: HTTP 404 for the default service account's token;/),
    ]);
  });
});
