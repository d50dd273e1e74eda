/**
 * Bearer tokens for loopback Google API servers: handed out by the GCE metadata server path the
 * servers also serve (so `GCE_METADATA_HOST` can point at them) or issued directly for a
 * `CLOUDSDK_AUTH_ACCESS_TOKEN_FILE`, and checked on every API request.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export const METADATA_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";

export interface GoogleBearerTokens {
  issue(): string;
  /** Accepts a token another server issued (one credential for several loopback Google APIs). */
  accept(token: string): void;
  /** How many tokens the metadata path handed out. */
  readonly fromMetadata: number;
  /** True when the request carries an issued token. */
  authorized(request: IncomingMessage): boolean;
  /** Answers the metadata token request (refusing one without `Metadata-Flavor: Google`). */
  serveMetadataToken(request: IncomingMessage, response: ServerResponse): void;
}

export const googleBearerTokens = (): GoogleBearerTokens => {
  const issued = new Set<string>();
  let fromMetadata = 0;
  const issue = () => {
    const token = `ya29.${randomBytes(24).toString("base64url")}`;
    issued.add(token);
    return token;
  };
  return {
    issue,
    accept: (token) => {
      issued.add(token);
    },
    get fromMetadata() {
      return fromMetadata;
    },
    authorized: (request) => issued.has((request.headers.authorization ?? "").replace(/^Bearer /, "")),
    serveMetadataToken: (request, response) => {
      if (request.headers["metadata-flavor"] !== "Google") {
        response.writeHead(403).end("Missing Metadata-Flavor header");
        return;
      }
      fromMetadata += 1;
      response.writeHead(200, { "content-type": "application/json", "metadata-flavor": "Google" });
      response.end(JSON.stringify({ access_token: issue(), expires_in: 3599, token_type: "Bearer" }));
    },
  };
};

/** A Google API error body: `{"error":{"code","message","status"}}`. */
export const googleError = (response: ServerResponse, code: number, status: string, message: string): void => {
  response.writeHead(code, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { code, message, status } }));
};

export const readRequestBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Array<Buffer> = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
