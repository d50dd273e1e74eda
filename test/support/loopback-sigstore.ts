import { createHash, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storedDsseBody } from "../../src/domain/transparency/rekor-entry-body.ts";
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, rekorHandler } from "@sigstore/mock";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toTrustMaterial, Verifier } from "@sigstore/verify";
import { opensslVerifies } from "./independent-verifiers.ts";

/**
 * Rekor and Fulcio on one loopback `node:http` server, built on `@sigstore/mock` (the sigstore
 * maintainers' mock handlers), plus a `trusted_root.json` that names the mock log key, CA and CT
 * log. The handlers decide entries and certificates; this file adds what a real Rekor/Fulcio also
 * serves (entry look-ups, the log key, 409 on a duplicate entry, Fulcio's v1 API) and fault knobs.
 */

type LogEntry = Record<string, unknown> & { readonly logIndex: number; readonly body: string };

export type SigstoreEndpoint = "rekor" | "fulcio";

export interface LoopbackSigstore {
  /** Base URL of both services (Rekor under `/api/v1/log`, Fulcio under `/api/v{1,2}/signingCert`). */
  readonly url: string;
  /** A sigstore `trusted_root.json` holding this log's key, CA root and CT log key. */
  readonly trustedRootPath: string;
  readonly trustedRoot: Record<string, unknown>;
  readonly logPublicKeyPem: string;
  readonly caRootPem: string;
  /** Every logged entry by UUID, as Rekor returns it. */
  readonly entries: ReadonlyMap<string, LogEntry>;
  /** Every request, `METHOD path`, in order. */
  readonly requests: ReadonlyArray<string>;
  /** The body of every entry proposal (POST), as sent, including those answered by an injected fault. */
  readonly proposals: ReadonlyArray<string>;
  /** The next `times` requests to the service answer `status` (e.g. 500) without doing anything. */
  readonly failNext: (endpoint: SigstoreEndpoint, status: number, times?: number) => void;
  /** The next `times` created entries carry a signed entry timestamp that does not verify. */
  readonly corruptNextSet: (times?: number) => void;
  /** Serve `/api/v1/log/publicKey` with another key than the one that signs entries. */
  readonly announceForeignLogKey: () => void;
  readonly close: () => Promise<void>;
}

export interface LoopbackSigstoreOptions {
  /** Fulcio answers 404 on `/api/v2/signingCert`, as servers that only speak v1 do. */
  readonly fulcioV1Only?: boolean;
}

const pemOf = (der: Uint8Array, label: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/.{1,64}/g, "$&\n")}-----END ${label}-----\n`;

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

/** The mock handlers answer with a string or bytes. */
const text = (response: string | ArrayBufferView): string =>
  typeof response === "string" ? response : Buffer.from(response.buffer, response.byteOffset, response.byteLength).toString("utf8");

const ecKeyPair = () => generateKeyPairSync("ec", { namedCurve: "P-256" });

const spkiDer = (key: KeyObject): Buffer => key.export({ format: "der", type: "spki" });

const canonicalBody = (body: string): string => JSON.stringify(sortKeys(JSON.parse(body)));

/** What Rekor stores for a proposed entry: `dsse` in its hashed form, other kinds as proposed. */
const storedForm = (body: string): string => {
  const proposed = JSON.parse(body);
  const content = proposed?.spec?.proposedContent;
  if (proposed?.kind !== "dsse" || typeof content?.envelope !== "string") return body;
  const verifierPem = Buffer.from(content.verifiers[0], "base64").toString("utf8");
  return storedDsseBody({ envelopeJson: content.envelope, verifierPem });
};

const sortKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sortKeys)
    : typeof value === "object" && value !== null
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        )
      : value;

export const startLoopbackSigstore = async (options: LoopbackSigstoreOptions = {}): Promise<LoopbackSigstore> => {
  const logKeys = ecKeyPair();
  const caKeys = ecKeyPair();
  const ctKeys = ecKeyPair();
  const requests: string[] = [];
  const proposals: string[] = [];
  const entries = new Map<string, LogEntry>();
  const uuidByBody = new Map<string, string>();
  const faults: Record<SigstoreEndpoint, { status: number; times: number }> = {
    rekor: { status: 0, times: 0 },
    fulcio: { status: 0, times: 0 },
  };
  let corruptSets = 0;
  let announcedKey = logKeys.publicKey;

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const tlog = await initializeTLog(url, logKeys);
  const ctLog = await initializeCTLog(ctKeys);
  const ca = await initializeCA(caKeys, ctLog);
  const rekor = rekorHandler(tlog);
  const fulcio = fulcioHandler(ca);
  const caRootPem = pemOf(new Uint8Array(ca.rootCertificate.buffer), "CERTIFICATE");

  const reply = (res: ServerResponse, status: number, body: string | ArrayBufferView, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(body);
  };

  const createEntry = async (proposed: string, res: ServerResponse) => {
    let key: string;
    let body: string;
    try {
      body = storedForm(proposed);
      key = canonicalBody(body);
    } catch {
      return reply(res, 400, JSON.stringify({ code: 400, message: "invalid JSON body" }));
    }
    const existing = uuidByBody.get(key);
    if (existing !== undefined)
      return reply(res, 409, JSON.stringify({ code: 409, message: "an equivalent entry already exists in the transparency log" }), {
        Location: `/api/v1/log/entries/${existing}`,
      });
    const answer = await rekor.fn(body);
    if (answer.statusCode !== 201) return reply(res, answer.statusCode, answer.response);
    const created = JSON.parse(text(answer.response)) as Record<string, LogEntry>;
    const [uuid, entry] = Object.entries(created)[0] ?? [];
    if (uuid === undefined || entry === undefined) return reply(res, 500, "mock Rekor returned no entry");
    if (corruptSets > 0) {
      corruptSets--;
      const verification = entry["verification"] as { signedEntryTimestamp: string };
      const set = Buffer.from(verification.signedEntryTimestamp, "base64");
      set[set.length - 1] = (set[set.length - 1] ?? 0) ^ 0xff;
      verification.signedEntryTimestamp = set.toString("base64");
    }
    entries.set(uuid, entry);
    uuidByBody.set(key, uuid);
    return reply(res, 201, JSON.stringify({ [uuid]: entry }), { Location: `/api/v1/log/entries/${uuid}` });
  };

  /** Fulcio's v1 API: PEM public key in, leaf + chain PEM out (the SCT is embedded in the leaf). */
  const signingCertV1 = async (req: IncomingMessage, body: string, res: ServerResponse) => {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    const v2Body = JSON.stringify({
      credentials: { oidcIdentityToken: token },
      publicKeyRequest: { publicKey: { content: Buffer.from(JSON.parse(body).publicKey.content, "base64").toString("utf8") } },
    });
    const answer = await fulcio.fn(v2Body);
    if (answer.statusCode !== 201) return reply(res, answer.statusCode, answer.response);
    const chain: string[] = JSON.parse(text(answer.response)).signedCertificateEmbeddedSct.chain.certificates;
    res.writeHead(201, { "Content-Type": "application/pem-certificate-chain" });
    res.end(chain.join(""));
  };

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = new URL(req.url ?? "/", url).pathname;
      requests.push(`${req.method} ${req.url}`);
      const body = await readBody(req);
      const endpoint: SigstoreEndpoint = path.includes("signingCert") ? "fulcio" : "rekor";
      if (req.method === "POST" && path === rekor.path) proposals.push(body);
      const fault = faults[endpoint];
      if (fault.times > 0) {
        fault.times--;
        return reply(res, fault.status, JSON.stringify({ code: fault.status, message: "injected by the test" }));
      }
      if (req.method === "POST" && path === rekor.path) return createEntry(body, res);
      if (req.method === "GET" && path === "/api/v1/log/publicKey") {
        res.writeHead(200, { "Content-Type": "application/x-pem-file" });
        return res.end(announcedKey.export({ format: "pem", type: "spki" }));
      }
      if (req.method === "GET" && path.startsWith("/api/v1/log/entries/")) {
        const uuid = path.slice("/api/v1/log/entries/".length);
        const entry = entries.get(uuid);
        return entry === undefined ? reply(res, 404, "{}") : reply(res, 200, JSON.stringify({ [uuid]: entry }));
      }
      if (req.method === "GET" && path === "/api/v1/log/entries") {
        const index = Number(new URL(req.url ?? "/", url).searchParams.get("logIndex"));
        const found = [...entries].find(([, entry]) => entry.logIndex === index);
        return found === undefined ? reply(res, 404, "{}") : reply(res, 200, JSON.stringify({ [found[0]]: found[1] }));
      }
      if (req.method === "POST" && path === fulcio.path) {
        if (options.fulcioV1Only === true) return reply(res, 404, JSON.stringify({ code: 404, message: "not found" }));
        const answer = await fulcio.fn(body);
        return reply(res, answer.statusCode, answer.response);
      }
      if (req.method === "POST" && path === "/api/v1/signingCert") return signingCertV1(req, body, res);
      return reply(res, 404, JSON.stringify({ code: 404, message: `no route for ${req.method} ${path}` }));
    })().catch((error: unknown) => reply(res, 500, JSON.stringify({ message: String(error) })));
  });

  const validFor = { start: new Date(Date.now() - 24 * 3600 * 1000).toISOString() };
  const logId = (key: KeyObject) => createHash("sha256").update(spkiDer(key)).digest("base64");
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: "SHA2_256",
        publicKey: { rawBytes: spkiDer(logKeys.publicKey).toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor },
        logId: { keyId: logId(logKeys.publicKey) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: "sigstore.mock", commonName: "sigstore" },
        uri: url,
        certChain: { certificates: [{ rawBytes: new X509Certificate(caRootPem).raw.toString("base64") }] },
        validFor,
      },
    ],
    ctlogs: [
      {
        baseUrl: url,
        hashAlgorithm: "SHA2_256",
        publicKey: { rawBytes: spkiDer(ctKeys.publicKey).toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor },
        logId: { keyId: logId(ctKeys.publicKey) },
      },
    ],
    timestampAuthorities: [],
  };
  const dir = mkdtempSync(join(tmpdir(), "chains-sigstore-"));
  const trustedRootPath = join(dir, "trusted_root.json");
  writeFileSync(trustedRootPath, JSON.stringify(trustedRoot, null, 2));

  return {
    url,
    trustedRootPath,
    trustedRoot,
    logPublicKeyPem: logKeys.publicKey.export({ format: "pem", type: "spki" }).toString(),
    caRootPem,
    entries,
    requests,
    proposals,
    failNext: (endpoint, status, times = 1) => {
      faults[endpoint] = { status, times };
    },
    corruptNextSet: (times = 1) => {
      corruptSets = times;
    },
    announceForeignLogKey: () => {
      announcedKey = ecKeyPair().publicKey;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** The fields of a Rekor entry its signed entry timestamp covers. */
export interface SetFields {
  readonly body: string;
  readonly integratedTime: number;
  readonly logID: string;
  readonly logIndex: number;
  readonly signedEntryTimestamp: string;
}

/** Whether openssl accepts the SET: ECDSA-SHA256 by the log key over the canonical JSON of the four fields. */
export const setVerifiesWithOpenssl = (entry: SetFields, logPublicKeyPem: string): boolean =>
  opensslVerifies({
    publicKeyPem: logPublicKeyPem,
    scheme: "ecdsa-sha256",
    data: Buffer.from(
      JSON.stringify({ body: entry.body, integratedTime: entry.integratedTime, logID: entry.logID, logIndex: entry.logIndex }),
    ),
    signature: Buffer.from(entry.signedEntryTimestamp, "base64"),
  });

/**
 * A @sigstore/verify verifier trusting the loopback trusted root (log key, CA, CT log) and, for
 * bundles that name a public key by hint, `publicKeyPem`; it requires one verified tlog entry.
 */
export const loopbackVerifier = (trustedRoot: Record<string, unknown>, publicKeyPem?: string): Verifier => {
  const trust = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot), (hint) => {
    if (publicKeyPem === undefined) throw new Error(`no public key for hint ${hint}`);
    const key = createPublicKey(publicKeyPem);
    if (createHash("sha256").update(spkiDer(key)).digest("base64") !== hint) throw new Error(`unknown key hint ${hint}`);
    return { publicKey: key, validFor: () => true };
  });
  return new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 });
};
