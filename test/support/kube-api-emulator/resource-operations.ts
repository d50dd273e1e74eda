import { randomUUID } from "node:crypto";
import { parse as parseYaml } from "yaml";
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  modifiedConflict,
  notFound,
  statusBody,
  unsupportedMediaType,
} from "./api-status.ts";
import { applyJsonPatch } from "./json-patch.ts";
import { applyMergePatch } from "./json-merge-patch.ts";
import { clone, deepEqual, isObject, metadataOf, stringList, stringMap, type JsonObject } from "./json-values.ts";
import { managedFieldsOf, ownershipAfterUpdate, type Ownership } from "./managed-fields.ts";
import type { ObjectStore } from "./object-store.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { serverSideApply } from "./server-side-apply.ts";
import { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
import { findType, preferredApiVersion, resourceKey, type ResourceType } from "./resource-catalog.ts";

export const PATCH_TYPES = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
} as const;

export interface WriteOptions {
  /** The field manager; the HTTP layer derives it from `fieldManager` or the User-Agent. */
  readonly manager: string;
  readonly dryRun?: boolean;
  /** `"status"` for the status subresource. */
  readonly subresource?: string;
}

export interface PatchOptions extends WriteOptions {
  readonly force?: boolean;
}

export interface DeleteOptions {
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

export interface ListOptions {
  readonly labelSelector?: string | null;
  readonly fieldSelector?: string | null;
  readonly limit?: number;
  readonly continueToken?: string | null;
}

export interface ListResult {
  readonly items: JsonObject[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

export interface OperationsOptions {
  readonly now?: () => Date;
  /** Refuse creates in namespaces that do not exist (404), as the real server does. Default: create them. */
  readonly strictNamespaces?: boolean;
}

export const timestamp = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

const SERVER_SET_METADATA = ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "managedFields"] as const;

/**
 * The API semantics, independent of HTTP: validation, preconditions, status subresource, finalizers and
 * graceful deletion, field ownership. Objects go in and come out at the type's storage (preferred) version.
 */
export class ResourceOperations {
  readonly #store: ObjectStore;
  readonly #catalog: readonly ResourceType[];
  readonly #now: () => Date;
  readonly #strictNamespaces: boolean;

  constructor(store: ObjectStore, catalog: readonly ResourceType[], options: OperationsOptions = {}) {
    this.#store = store;
    this.#catalog = catalog;
    this.#now = options.now ?? (() => new Date());
    this.#strictNamespaces = options.strictNamespaces ?? false;
  }

  get(type: ResourceType, namespace: string, name: string): JsonObject {
    const found = this.#store.get(resourceKey(type), type.namespaced ? namespace : "", name);
    if (found === undefined) throw notFound(type, name);
    return found;
  }

  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, type.extraFieldLabels);
    const resourceVersion = String(this.#store.resourceVersion);
    const after = options.continueToken ? decodeContinue(options.continueToken) : undefined;
    const { items, remaining } = this.#store.page(
      resourceKey(type),
      type.namespaced ? namespace : undefined,
      (o) => labels(o) && fields(o) && (after === undefined || keyOf(o) > after),
      Math.max(options.limit ?? 0, 0),
    );
    if (remaining > 0) {
      const last = items[items.length - 1];
      return { items, resourceVersion, continueToken: last === undefined ? "" : encodeContinue(keyOf(last)), remainingItemCount: remaining };
    }
    return { items, resourceVersion };
  }

  create(type: ResourceType, namespace: string, body: unknown, options: WriteOptions): JsonObject {
    const object = this.#checkBody(type, namespace, body, undefined);
    const metadata = metadataOf(object);
    if (typeof metadata["name"] !== "string" || metadata["name"] === "") {
      if (typeof metadata["generateName"] === "string" && metadata["generateName"] !== "") {
        metadata["name"] = `${metadata["generateName"]}${randomUUID().replaceAll("-", "").slice(0, 5)}`;
      } else {
        throw invalid(type, "", "metadata.name", "Required value: name or generateName is required");
      }
    }
    const name = metadata["name"] as string;
    if (this.#store.get(resourceKey(type), type.namespaced ? namespace : "", name) !== undefined) throw alreadyExists(type, name);
    return this.#insert(type, namespace, object, options, (candidate) =>
      ownershipAfterUpdate(undefined, candidate, options.manager, preferredApiVersion(type), this.#stamp(), type.statusSubresource),
    );
  }

  update(type: ResourceType, namespace: string, name: string, body: unknown, options: WriteOptions): JsonObject {
    const before = this.get(type, namespace, name);
    const candidate = this.#checkBody(type, namespace, body, name);
    if (metadataOf(candidate)["resourceVersion"] === undefined && !type.allowUnconditionalUpdate) {
      throw invalid(type, name, "metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update");
    }
    return this.#commitUpdate(type, before, candidate, options, undefined);
  }

  patch(type: ResourceType, namespace: string, name: string, contentType: string, body: string, options: PatchOptions): JsonObject {
    const mediaType = contentType.split(";")[0]?.trim() ?? "";
    if (mediaType === PATCH_TYPES.apply) return this.#apply(type, namespace, name, body, options);
    const before = this.get(type, namespace, name);
    const patch = parseJson(body);
    let candidate: unknown;
    switch (mediaType) {
      case PATCH_TYPES.merge:
        candidate = applyMergePatch(before, patch);
        break;
      case PATCH_TYPES.json:
        candidate = applyJsonPatch(before, patch);
        break;
      case PATCH_TYPES.strategic:
        if (type.custom) throw unsupportedMediaType(unsupportedPatchMessage);
        candidate = applyStrategicMergePatch(before, patch);
        break;
      default:
        throw unsupportedMediaType(unsupportedPatchMessage);
    }
    const checked = this.#checkBody(type, namespace, candidate, name);
    return this.#commitUpdate(type, before, checked, options, undefined);
  }

  /** Returns the object and whether it is gone (false: finalizers keep it, now with a deletionTimestamp). */
  delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions = {}): { object: JsonObject; deleted: boolean } {
    const before = this.get(type, namespace, name);
    const metadata = metadataOf(before);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== metadata["uid"]) {
      throw conflict(type, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(metadata["uid"])}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== metadata["resourceVersion"]) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(metadata["resourceVersion"])}`,
      );
    }
    if (stringList(metadata["finalizers"]).length > 0) {
      if (metadata["deletionTimestamp"] !== undefined || options.dryRun) return { object: before, deleted: false };
      const marked = clone(before);
      const markedMeta = metadataOf(marked);
      markedMeta["deletionTimestamp"] = this.#stamp();
      markedMeta["deletionGracePeriodSeconds"] = 0;
      markedMeta["generation"] = Number(markedMeta["generation"] ?? 0) + 1;
      return { object: this.#store.commit(resourceKey(type), "MODIFIED", marked), deleted: false };
    }
    if (options.dryRun) return { object: before, deleted: true };
    const gone = this.#store.commit(resourceKey(type), "DELETED", before);
    if (type.group === "" && type.plural === "namespaces") this.#deleteNamespaceContents(name);
    return { object: gone, deleted: true };
  }

  /**
   * Stores an object as given (uid, timestamps and status kept when present); for seeding tests. Like
   * any write, clearing the last finalizer of an object being deleted deletes it.
   */
  put(type: ResourceType, object: JsonObject): JsonObject {
    const candidate = clone(object);
    const metadata = metadataOf(candidate);
    const namespace = type.namespaced ? String(metadata["namespace"] ?? "default") : "";
    if (type.namespaced) metadata["namespace"] = namespace;
    else delete metadata["namespace"];
    candidate["apiVersion"] = preferredApiVersion(type);
    candidate["kind"] = type.kind;
    const name = String(metadata["name"] ?? "");
    if (name === "") throw invalid(type, "", "metadata.name", "Required value: name is required");
    const before = this.#store.get(resourceKey(type), namespace, name);
    metadata["uid"] ??= before === undefined ? randomUUID() : metadataOf(before)["uid"];
    metadata["creationTimestamp"] ??= this.#stamp();
    metadata["generation"] ??= 1;
    if (type.namespaced) this.#ensureNamespace(namespace);
    normaliseSecret(type, candidate);
    if (before === undefined) return this.#store.commit(resourceKey(type), "ADDED", candidate);
    const finalized = metadata["deletionTimestamp"] !== undefined && stringList(metadata["finalizers"]).length === 0;
    return this.#store.commit(resourceKey(type), finalized ? "DELETED" : "MODIFIED", candidate);
  }

  #apply(type: ResourceType, namespace: string, name: string, body: string, options: PatchOptions): JsonObject {
    if (options.manager === "") throw badRequest("PATCH apply: fieldManager is required for apply requests");
    let config: unknown;
    try {
      config = parseYaml(body);
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message}`);
    }
    if (!isObject(config)) throw badRequest("apply patch must be a YAML or JSON object");
    if (config["kind"] !== type.kind) throw badRequest(`the kind of the applied object (${String(config["kind"])}) must be ${type.kind}`);
    if (typeof config["apiVersion"] !== "string") throw badRequest("apiVersion must be set in an apply patch");
    const checked = this.#checkBody(type, namespace, config, name);
    const current = this.#store.get(resourceKey(type), type.namespaced ? namespace : "", name);
    const applied = serverSideApply({
      current,
      config: checked,
      manager: options.manager,
      force: options.force ?? false,
      apiVersion: String(config["apiVersion"]),
      now: this.#stamp(),
      skipStatus: type.statusSubresource,
    });
    if (current === undefined) {
      return this.#insert(type, namespace, applied.object, options, () => applied.owners);
    }
    return this.#commitUpdate(type, current, applied.object, options, applied.owners);
  }

  #insert(
    type: ResourceType,
    namespace: string,
    object: JsonObject,
    options: WriteOptions,
    owners: (candidate: JsonObject) => Ownership[],
  ): JsonObject {
    const metadata = metadataOf(object);
    for (const key of SERVER_SET_METADATA) delete metadata[key];
    delete metadata["resourceVersion"];
    if (type.namespaced) {
      metadata["namespace"] = namespace;
      if (!options.dryRun) this.#ensureNamespace(namespace);
    }
    if (type.statusSubresource) delete object["status"];
    normaliseSecret(type, object);
    metadata["managedFields"] = managedFieldsOf(owners(object));
    metadata["uid"] = randomUUID();
    metadata["creationTimestamp"] = this.#stamp();
    metadata["generation"] = 1;
    if (options.dryRun) return object;
    return this.#store.commit(resourceKey(type), "ADDED", object);
  }

  #commitUpdate(
    type: ResourceType,
    before: JsonObject,
    body: JsonObject,
    options: WriteOptions,
    appliedOwners: Ownership[] | undefined,
  ): JsonObject {
    const name = String(metadataOf(before)["name"]);
    const beforeMeta = metadataOf(before);
    const wantedVersion = metadataOf(body)["resourceVersion"];
    if (wantedVersion !== undefined && wantedVersion !== "" && wantedVersion !== beforeMeta["resourceVersion"]) {
      throw modifiedConflict(type, name);
    }
    const requestUid = metadataOf(body)["uid"];
    if (requestUid !== undefined && requestUid !== "" && requestUid !== beforeMeta["uid"]) {
      throw conflict(type, name, `Precondition failed: UID in precondition: ${String(requestUid)}, UID in object meta: ${String(beforeMeta["uid"])}`);
    }
    // The real server refuses this, which is why a binding keeps its roleRef across releases.
    if (type.group === "rbac.authorization.k8s.io" && before["roleRef"] !== undefined && !deepEqual(before["roleRef"], body["roleRef"])) {
      throw invalid(type, name, "roleRef", "Invalid value: cannot change roleRef");
    }
    let candidate: JsonObject;
    if (options.subresource === "status") {
      candidate = clone(before);
      if (body["status"] === undefined) delete candidate["status"];
      else candidate["status"] = clone(body["status"]);
    } else {
      candidate = clone(body);
      if (type.statusSubresource) {
        if (before["status"] === undefined) delete candidate["status"];
        else candidate["status"] = clone(before["status"]);
      }
    }
    const meta = metadataOf(candidate);
    for (const key of SERVER_SET_METADATA) {
      if (beforeMeta[key] === undefined) delete meta[key];
      else meta[key] = clone(beforeMeta[key]);
    }
    meta["resourceVersion"] = beforeMeta["resourceVersion"];
    candidate["apiVersion"] = preferredApiVersion(type);
    candidate["kind"] = type.kind;
    normaliseSecret(type, candidate);

    const oldFinalizers = stringList(beforeMeta["finalizers"]);
    const newFinalizers = stringList(meta["finalizers"]);
    if (beforeMeta["deletionTimestamp"] !== undefined) {
      const added = newFinalizers.filter((f) => !oldFinalizers.includes(f));
      if (added.length > 0) {
        throw new ApiError(
          statusBody(
            422,
            "Invalid",
            `${type.kind} "${name}" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`,
            { name, kind: type.plural, causes: [{ reason: "FieldValueForbidden", field: "metadata.finalizers" }] },
          ),
        );
      }
    }
    if (meta["finalizers"] !== undefined && newFinalizers.length === 0) delete meta["finalizers"];

    const owners =
      options.subresource === "status"
        ? undefined
        : (appliedOwners ?? ownershipAfterUpdate(before, candidate, options.manager, preferredApiVersion(type), this.#stamp(), type.statusSubresource));
    if (owners !== undefined) {
      const managed = managedFieldsOf(owners);
      if (managed.length > 0) meta["managedFields"] = managed;
      else delete meta["managedFields"];
    }
    if (specChanged(before, candidate)) meta["generation"] = Number(beforeMeta["generation"] ?? 0) + 1;

    if (deepEqual(withoutTimes(before), withoutTimes(candidate))) return before;
    if (options.dryRun) return candidate;
    if (meta["deletionTimestamp"] !== undefined && newFinalizers.length === 0) {
      return this.#store.commit(resourceKey(type), "DELETED", candidate);
    }
    return this.#store.commit(resourceKey(type), "MODIFIED", candidate);
  }

  /** Validates identity fields of a request body against the URL; returns a working copy. */
  #checkBody(type: ResourceType, namespace: string, body: unknown, urlName: string | undefined): JsonObject {
    if (!isObject(body)) throw badRequest("the request body must be a JSON object");
    const object = clone(body);
    if (object["kind"] !== undefined && object["kind"] !== type.kind) {
      throw badRequest(`the kind of the object (${String(object["kind"])}) does not match the resource (${type.kind})`);
    }
    const metadata = metadataOf(object);
    if (urlName !== undefined) {
      if (metadata["name"] !== undefined && metadata["name"] !== urlName) {
        throw badRequest(`the name of the object (${String(metadata["name"])}) does not match the name on the URL (${urlName})`);
      }
      metadata["name"] = urlName;
    }
    if (type.namespaced) {
      if (metadata["namespace"] !== undefined && metadata["namespace"] !== "" && metadata["namespace"] !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      metadata["namespace"] = namespace;
    } else {
      delete metadata["namespace"];
    }
    return object;
  }

  #ensureNamespace(namespace: string): void {
    const namespaces = this.#namespaces();
    if (namespaces === undefined || this.#store.get(resourceKey(namespaces), "", namespace) !== undefined) return;
    if (this.#strictNamespaces) throw notFound(namespaces, namespace);
    this.put(namespaces, { metadata: { name: namespace }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } });
  }

  #deleteNamespaceContents(namespace: string): void {
    for (const type of this.#catalog) {
      if (!type.namespaced) continue;
      for (const object of this.#store.list(resourceKey(type), namespace)) {
        const name = String(metadataOf(object)["name"]);
        try {
          this.delete(type, namespace, name);
        } catch (error) {
          if (!(error instanceof ApiError) || error.code !== 404) throw error;
        }
      }
    }
  }

  #namespaces(): ResourceType | undefined {
    return findType(this.#catalog, "namespaces");
  }

  #stamp(): string {
    return timestamp(this.#now());
  }
}

const unsupportedPatchMessage =
  "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw badRequest(`error decoding patch: ${(error as Error).message}`);
  }
};

const keyOf = (object: JsonObject): string => {
  const metadata = metadataOf(object);
  return `${String(metadata["namespace"] ?? "")}/${String(metadata["name"] ?? "")}`;
};

const encodeContinue = (key: string): string => Buffer.from(JSON.stringify({ v: "emulator/1", start: key })).toString("base64url");

const decodeContinue = (token: string): string => {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { start?: unknown };
    if (typeof parsed.start === "string") return parsed.start;
  } catch {
    // fall through to the error below
  }
  throw badRequest("continue key is not valid");
};

/** Anything outside metadata and status counts as spec for `metadata.generation`. */
const specChanged = (before: JsonObject, after: JsonObject): boolean => {
  const spec = (o: JsonObject): JsonObject => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return !deepEqual(spec(before), spec(after));
};

/** Managed-field timestamps do not make a write a change (the real server's no-op detection). */
const withoutTimes = (object: JsonObject): JsonObject => {
  const copy = clone(object);
  const metadata = metadataOf(copy);
  if (Array.isArray(metadata["managedFields"])) {
    metadata["managedFields"] = metadata["managedFields"].map((entry) => (isObject(entry) ? { ...entry, time: "" } : entry));
  }
  return copy;
};

/** Secrets: `stringData` is write-only and folded into base64 `data`. */
const normaliseSecret = (type: ResourceType, object: JsonObject): void => {
  if (type.group !== "" || type.plural !== "secrets" || object["stringData"] === undefined) return;
  const data = stringMap(object["data"]);
  for (const [key, value] of Object.entries(stringMap(object["stringData"]))) data[key] = Buffer.from(value, "utf8").toString("base64");
  object["data"] = data;
  delete object["stringData"];
};
