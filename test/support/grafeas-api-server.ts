/**
 * A loopback server for the Container Analysis v1 REST calls the grafeas backend makes: create a
 * note (`409 ALREADY_EXISTS` when it exists), create an occurrence (its note must exist), and list
 * a project's occurrences as `gcloud`/the API would show them. Bearer tokens are checked on every
 * request; occurrence creation can be made to fail.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type GoogleBearerTokens, googleBearerTokens, googleError, METADATA_TOKEN_PATH, readRequestBody } from "./google-bearer-tokens.ts";

export type JsonObject = Record<string, unknown>;

export interface GrafeasApiServer {
  /** `http://127.0.0.1:<port>/`: the value of CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS. */
  readonly endpoint: string;
  /** `127.0.0.1:<port>`, for GCE_METADATA_HOST. */
  readonly host: string;
  readonly tokens: GoogleBearerTokens;
  /** Notes by full name (`projects/<p>/notes/<id>`). */
  readonly notes: ReadonlyMap<string, JsonObject>;
  /** How many note creations were requested, including those answered 409. */
  readonly noteRequests: number;
  /** The occurrences of a project, through the API's own list call. */
  listOccurrences(project: string, token: string): Promise<ReadonlyArray<JsonObject>>;
  /** Occurrence creations `after` successful ones from now fail `times` times with 503. */
  failOccurrences(times: number, after?: number): void;
  close(): Promise<void>;
}

const json = (response: ServerResponse, body: unknown) => {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};

export const startGrafeasApiServer = async (): Promise<GrafeasApiServer> => {
  const tokens = googleBearerTokens();
  const notes = new Map<string, JsonObject>();
  const occurrences = new Map<string, Array<JsonObject>>();
  let noteRequests = 0;
  let failing = { after: 0, times: 0 };

  const handle = async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const notesPath = /^\/v1\/projects\/([^/]+)\/notes$/.exec(url.pathname);
    const occurrencesPath = /^\/v1\/projects\/([^/]+)\/occurrences$/.exec(url.pathname);
    const project = decodeURIComponent((notesPath ?? occurrencesPath)?.[1] ?? "");
    if (request.method === "POST" && notesPath !== null) {
      noteRequests += 1;
      const body = JSON.parse((await readRequestBody(request)).toString()) as JsonObject;
      const noteId = url.searchParams.get("noteId") ?? "";
      if (noteId === "") return googleError(response, 400, "INVALID_ARGUMENT", "noteId is required");
      const name = `projects/${project}/notes/${noteId}`;
      if (notes.has(name)) return googleError(response, 409, "ALREADY_EXISTS", `note ${name} already exists`);
      const kind = body["attestation"] !== undefined ? "ATTESTATION" : body["build"] !== undefined ? "BUILD" : "NOTE_KIND_UNSPECIFIED";
      const note = { ...body, name, kind };
      notes.set(name, note);
      return json(response, note);
    }
    if (request.method === "POST" && occurrencesPath !== null) {
      const body = JSON.parse((await readRequestBody(request)).toString()) as JsonObject;
      if (failing.times > 0 && failing.after === 0) {
        failing.times -= 1;
        return googleError(response, 503, "UNAVAILABLE", "injected occurrence failure");
      }
      if (failing.after > 0) failing.after -= 1;
      const note = notes.get(String(body["noteName"]));
      if (note === undefined) return googleError(response, 400, "FAILED_PRECONDITION", `note ${String(body["noteName"])} does not exist`);
      if (typeof body["resourceUri"] !== "string") return googleError(response, 400, "INVALID_ARGUMENT", "resourceUri is required");
      const occurrence = { ...body, name: `projects/${project}/occurrences/${randomUUID()}`, kind: note["kind"] };
      occurrences.set(project, [...(occurrences.get(project) ?? []), occurrence]);
      return json(response, occurrence);
    }
    if (request.method === "GET" && occurrencesPath !== null) return json(response, { occurrences: occurrences.get(project) ?? [] });
    googleError(response, 404, "NOT_FOUND", `${request.method} ${url.pathname} is not emulated`);
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname === METADATA_TOKEN_PATH) return tokens.serveMetadataToken(request, response);
    if (!tokens.authorized(request)) return googleError(response, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    handle(request, response, url).catch(() => googleError(response, 400, "INVALID_ARGUMENT", "malformed request"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}/`;
  return {
    endpoint,
    host: `127.0.0.1:${port}`,
    tokens,
    notes,
    get noteRequests() {
      return noteRequests;
    },
    listOccurrences: async (project, token) => {
      const response = await fetch(`${endpoint}v1/projects/${encodeURIComponent(project)}/occurrences`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return ((await response.json()) as { occurrences: Array<JsonObject> }).occurrences;
    },
    failOccurrences: (times, after = 0) => {
      failing = { after, times };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
