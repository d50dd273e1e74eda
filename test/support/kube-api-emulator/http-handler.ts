import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, badRequest, genericNotFound, methodNotAllowed, statusBody, unsupportedMediaType } from "./api-status.ts";
import { coreVersions, group, groupList, resourceList, versionInfo } from "./discovery.ts";
import type { FaultInjector, RequestFacts } from "./fault-injection.ts";
import { openApiV3Document, openApiV3Root } from "./openapi.ts";
import { parseRoute, type Route } from "./http-routing.ts";
import { isObject, metadataOf, type JsonObject } from "./json-values.ts";
import type { RequestLog, RequestLogEntry } from "./request-log.ts";
import { apiVersionOf, type ResourceType } from "./resource-catalog.ts";
import { PATCH_TYPES, type ResourceOperations } from "./resource-operations.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { asTable, wantsTable } from "./table-output.ts";
import type { WatchEvent, WatchHub } from "./watch-hub.ts";

export interface HandlerOptions {
  readonly bookmarkIntervalMs: number;
  readonly defaultWatchTimeoutSeconds: number;
  /** How a watch from a compacted resourceVersion fails; see `EmulatorOptions.expiredWatch`. */
  readonly expiredWatch: "error-event" | "http-410";
}

export interface HandlerContext {
  readonly catalog: readonly ResourceType[];
  readonly operations: ResourceOperations;
  readonly hub: WatchHub;
  readonly log: RequestLog;
  readonly faults: FaultInjector;
  readonly options: HandlerOptions;
}

type ResourceRoute = Extract<Route, { kind: "resource" }>;

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

const isTrue = (value: string | null): boolean => value === "true" || value === "1";

const verbOf = (method: string, route: Route, watch: boolean): string => {
  if (route.kind !== "resource") return "discovery";
  if (method === "GET") return watch ? "watch" : route.name === undefined ? "list" : "get";
  if (method === "POST") return "create";
  if (method === "PUT") return "update";
  if (method === "PATCH") return "patch";
  if (method === "DELETE") return route.name === undefined ? "deletecollection" : "delete";
  return method.toLowerCase();
};

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
};

const reasonFor = (status: number): string =>
  ({ 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 410: "Expired", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout" })[
    status
  ] ?? "Unknown";

/** Presents a stored object at the version the client addressed. */
const render = (route: ResourceRoute, object: JsonObject): JsonObject => ({
  ...object,
  apiVersion: apiVersionOf(route.group, route.version),
  kind: route.type.kind,
});

export const createHandler =
  (context: HandlerContext) =>
  async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const method = (req.method ?? "GET").toUpperCase();
    const route = parseRoute(url.pathname, context.catalog);
    const watch = method === "GET" && route.kind === "resource" && (route.watchPath || isTrue(url.searchParams.get("watch")));
    const contentType = req.headers["content-type"];
    const body = method === "GET" ? "" : await readBody(req);
    const resourceRoute = route.kind === "resource" ? route : undefined;
    const facts: RequestFacts = {
      method,
      path: url.pathname,
      verb: verbOf(method, route, watch),
      resource: resourceRoute?.type.plural,
      kind: resourceRoute?.type.kind,
      namespace: resourceRoute?.namespace,
      name: resourceRoute?.name,
      subresource: resourceRoute?.subresource,
      watch,
      contentType,
    };
    const entry = context.log.record({
      time: new Date(),
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType,
      userAgent: req.headers["user-agent"],
      bearerToken: /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1],
      verb: facts.verb,
      resource: facts.resource,
      group: resourceRoute?.group,
      version: resourceRoute?.version,
      namespace: facts.namespace,
      name: facts.name,
      subresource: facts.subresource,
      watch,
      body: body === "" ? undefined : body,
      status: 0,
      fault: false,
      handled: false,
    });
    const respond = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      sendJson(res, status, payload, headers);
    };

    try {
      let dropWatchAfterMs: number | undefined;
      const fault = context.faults.take(facts);
      if (fault !== undefined) {
        entry.fault = true;
        if ("resetConnection" in fault) {
          req.socket.destroy();
          return;
        }
        if ("status" in fault) {
          const headers = { ...(fault.status === 429 ? { "Retry-After": "1" } : {}), ...fault.headers };
          respond(fault.status, fault.body ?? statusBody(fault.status, reasonFor(fault.status), `injected fault: HTTP ${fault.status}`), headers);
          return;
        }
        if ("delayMs" in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        if ("dropWatchAfterMs" in fault) dropWatchAfterMs = fault.dropWatchAfterMs;
        if (req.socket.destroyed) return;
      }

      try {
        if (body !== "" && contentType !== undefined && /protobuf/.test(contentType)) {
          throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
        }
        if (route.kind === "resource") {
          if (watch) serveWatch(context, route, url.searchParams, req, res, entry, dropWatchAfterMs);
          else serveResource(context, route, method, url.searchParams, req, body, respond);
          return;
        }
        if (method !== "GET") throw methodNotAllowed(`the server does not allow this method on the requested resource`);
        const document = discoveryDocument(context, route, req);
        if (document === undefined) throw genericNotFound(url.pathname);
        respond(200, document);
      } catch (error) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof ApiError) respond(error.code, error.status);
        else respond(500, statusBody(500, "InternalError", `Internal error occurred: ${(error as Error).message}`));
      }
    } finally {
      entry.handled = true;
    }
  };

const discoveryDocument = (context: HandlerContext, route: Route, req: IncomingMessage): object | undefined => {
  switch (route.kind) {
    case "version":
      return versionInfo;
    case "core-versions":
      return coreVersions(req.headers.host ?? "127.0.0.1");
    case "groups":
      return groupList(context.catalog);
    case "group":
      return group(context.catalog, route.group);
    case "resources":
      return resourceList(context.catalog, route.group, route.version);
    case "openapi-v3-root":
      return openApiV3Root(context.catalog);
    case "openapi-v3":
      return openApiV3Document(context.catalog, route.key);
    default:
      return undefined;
  }
};

const parseBody = (body: string): unknown => {
  if (body.trim() === "") return {};
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
};

const fieldManager = (query: URLSearchParams, req: IncomingMessage, apply: boolean): string => {
  const explicit = query.get("fieldManager");
  if (explicit !== null && explicit !== "") return explicit;
  if (apply) return "";
  return (req.headers["user-agent"] ?? "unknown").split("/")[0] ?? "unknown";
};

const serveResource = (
  context: HandlerContext,
  route: ResourceRoute,
  method: string,
  query: URLSearchParams,
  req: IncomingMessage,
  body: string,
  respond: (status: number, payload: unknown) => void,
): void => {
  const { operations } = context;
  const type = route.type;
  const namespace = route.namespace ?? "";
  const dryRun = query.get("dryRun") === "All";
  if (route.subresource !== undefined && !(route.subresource === "status" && type.statusSubresource)) {
    throw genericNotFound(`${type.plural}/${route.subresource}`);
  }
  if (type.namespaced && route.namespace === undefined && !(method === "GET" && route.name === undefined)) {
    throw methodNotAllowed(`${type.plural} are namespaced: use /namespaces/<namespace>/${type.plural}`);
  }
  const name = route.name;
  const table = wantsTable(req.headers.accept);
  const includeObject = query.get("includeObject");
  switch (method) {
    case "GET": {
      if (name === undefined) {
        const limit = Number(query.get("limit") ?? "0");
        const result = operations.list(type, route.namespace, {
          labelSelector: query.get("labelSelector"),
          fieldSelector: query.get("fieldSelector"),
          limit: Number.isFinite(limit) ? limit : 0,
          continueToken: query.get("continue"),
        });
        const items = result.items.map((o) => render(route, o));
        const metadata = {
          resourceVersion: result.resourceVersion,
          ...(result.continueToken === undefined ? {} : { continue: result.continueToken, remainingItemCount: result.remainingItemCount }),
        };
        if (table) respond(200, { ...asTable(items, includeObject, result.resourceVersion), metadata });
        else respond(200, { apiVersion: apiVersionOf(route.group, route.version), kind: `${type.kind}List`, metadata, items });
        return;
      }
      const object = render(route, operations.get(type, namespace, name));
      respond(200, table ? asTable([object], includeObject, undefined) : object);
      return;
    }
    case "POST": {
      if (name !== undefined) throw methodNotAllowed("POST is not allowed on a named resource");
      const created = operations.create(type, namespace, parseBody(body), { manager: fieldManager(query, req, false), dryRun });
      respond(201, render(route, created));
      return;
    }
    case "PUT": {
      if (name === undefined) throw methodNotAllowed("PUT needs a resource name");
      const updated = operations.update(type, namespace, name, parseBody(body), {
        manager: fieldManager(query, req, false),
        dryRun,
        ...(route.subresource === undefined ? {} : { subresource: route.subresource }),
      });
      respond(200, render(route, updated));
      return;
    }
    case "PATCH": {
      if (name === undefined) throw methodNotAllowed("PATCH needs a resource name");
      const contentType = req.headers["content-type"] ?? "";
      const apply = contentType.startsWith(PATCH_TYPES.apply);
      const existed = (() => {
        try {
          operations.get(type, namespace, name);
          return true;
        } catch {
          return false;
        }
      })();
      const patched = operations.patch(type, namespace, name, contentType, body, {
        manager: fieldManager(query, req, apply),
        force: isTrue(query.get("force")),
        dryRun,
        ...(route.subresource === undefined ? {} : { subresource: route.subresource }),
      });
      respond(existed ? 200 : 201, render(route, patched));
      return;
    }
    case "DELETE": {
      const options = parseBody(body);
      const preconditions = isObject(options) && isObject(options["preconditions"]) ? options["preconditions"] : {};
      const deleteOptions = {
        dryRun: dryRun || (isObject(options) && Array.isArray(options["dryRun"]) && options["dryRun"].includes("All")),
        preconditions: {
          ...(typeof preconditions["uid"] === "string" ? { uid: preconditions["uid"] } : {}),
          ...(typeof preconditions["resourceVersion"] === "string" ? { resourceVersion: preconditions["resourceVersion"] } : {}),
        },
      };
      if (name === undefined) {
        const victims = operations.list(type, route.namespace, {
          labelSelector: query.get("labelSelector"),
          fieldSelector: query.get("fieldSelector"),
        }).items;
        const results = victims.map((v) => operations.delete(type, namespace, String(metadataOf(v)["name"]), deleteOptions).object);
        respond(200, { apiVersion: apiVersionOf(route.group, route.version), kind: `${type.kind}List`, metadata: {}, items: results.map((o) => render(route, o)) });
        return;
      }
      const result = operations.delete(type, namespace, name, deleteOptions);
      if (result.deleted) {
        const uid = metadataOf(result.object)["uid"];
        respond(200, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name, ...(type.group === "" ? {} : { group: type.group }), kind: type.plural, uid },
        });
      } else {
        respond(200, render(route, result.object));
      }
      return;
    }
    default:
      throw methodNotAllowed(`method ${method} is not supported`);
  }
};

const serveWatch = (
  context: HandlerContext,
  route: ResourceRoute,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
  entry: RequestLogEntry,
  dropWatchAfterMs: number | undefined,
): void => {
  const type = route.type;
  const labels = parseLabelSelector(query.get("labelSelector"));
  const nameSelector = route.name === undefined ? "" : `metadata.name=${route.name}`;
  const fieldText = [query.get("fieldSelector") ?? "", nameSelector].filter((s) => s !== "").join(",");
  const fields = parseFieldSelector(fieldText, type.extraFieldLabels);
  const resourceVersion = query.get("resourceVersion") ?? undefined;
  const sendInitialEvents = isTrue(query.get("sendInitialEvents"));
  if (!sendInitialEvents && context.options.expiredWatch === "http-410" && context.hub.isExpired(resourceVersion)) {
    throw new ApiError(context.hub.expiredStatus(resourceVersion ?? ""));
  }
  const timeoutSeconds = Number(query.get("timeoutSeconds") ?? context.options.defaultWatchTimeoutSeconds);
  const table = wantsTable(req.headers.accept);
  const includeObject = query.get("includeObject");
  entry.status = 200;
  res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  const send = (event: WatchEvent): void => {
    const object =
      table && (event.type === "ADDED" || event.type === "MODIFIED" || event.type === "DELETED")
        ? asTable([event.object], includeObject, undefined)
        : event.object;
    res.write(`${JSON.stringify({ type: event.type, object })}\n`);
  };
  const handle = context.hub.openWatch(
    {
      resource: `${type.group}/${type.plural}`,
      namespace: type.namespaced ? route.namespace : undefined,
      matches: (o) => labels(o) && fields(o),
      resourceVersion,
      sendInitialEvents,
      allowBookmarks: isTrue(query.get("allowWatchBookmarks")),
      bookmarkIntervalMs: context.options.bookmarkIntervalMs,
      timeoutMs: Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : 0,
      render: (o) => render(route, o),
      apiVersion: apiVersionOf(route.group, route.version),
      kind: type.kind,
    },
    { send, end: () => res.end() },
  );
  req.on("close", handle.close);
  res.on("close", handle.close);
  if (dropWatchAfterMs !== undefined) setTimeout(handle.close, dropWatchAfterMs).unref();
};
