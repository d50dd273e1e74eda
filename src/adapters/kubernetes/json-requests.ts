import { ApiException, HttpMethod, type KubeConfig, RequestContext } from "@kubernetes/client-node";
// client-node's dispatchers are undici's own Agents, so requests over them use the same undici's fetch.
import { fetch, type Response } from "undici";
import { parseJsonText } from "../../domain/serialization/json-text.ts";

export type ApiQuery = Readonly<Record<string, string | number | boolean | undefined>>;

export interface JsonRequest {
  readonly method: "GET" | "PATCH";
  readonly path: string;
  readonly query?: ApiQuery;
  /** A PATCH's body, and its media type (the patch strategy). */
  readonly body?: { readonly json: unknown; readonly contentType: string };
}

/** The kubeconfig's current cluster's URL for an API path. */
const apiUrl = (config: KubeConfig, path: string, query: ApiQuery): URL => {
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(cluster.server + path);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
  return url;
};

/** Sends a request with the kubeconfig's credentials and TLS settings, as client-node's own clients do. */
export const sendApiRequest = async (
  config: KubeConfig,
  request: JsonRequest,
  signal?: AbortSignal,
): Promise<Response> => {
  const url = apiUrl(config, request.path, request.query ?? {});
  const context = new RequestContext(url.toString(), request.method === "GET" ? HttpMethod.GET : HttpMethod.PATCH);
  await config.applySecurityAuthentication(context);
  const headers: Record<string, string> = { ...context.getHeaders(), Accept: "application/json" };
  if (request.body !== undefined) headers["Content-Type"] = request.body.contentType;
  return fetch(url, {
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body.json) }),
    dispatcher: context.getDispatcher(),
    ...(signal === undefined ? {} : { signal }),
  });
};

/** The failure client-node's clients throw for an answer outside 2xx, so callers classify it the same way. */
export const apiExceptionOf = async (response: Response): Promise<ApiException<string>> =>
  new ApiException(response.status, `HTTP ${response.status}`, await response.text(), Object.fromEntries(response.headers));

/**
 * A request whose answer is read with `parseJsonText`. client-node parses answers with
 * `JSON.parse`, which misreads some escaped keys (see json-text.ts); runs carry keys their
 * authors chose (object params and results), so runs are read here instead.
 */
export const requestJson = async (config: KubeConfig, request: JsonRequest): Promise<unknown> => {
  const response = await sendApiRequest(config, request);
  if (!response.ok) throw await apiExceptionOf(response);
  return parseJsonText(await response.text());
};
