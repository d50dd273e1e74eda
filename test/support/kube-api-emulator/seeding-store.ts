import { badRequest, notFound } from "./api-status.ts";
import { clone, metadataOf, type JsonObject } from "./json-values.ts";
import type { ObjectStore } from "./object-store.ts";
import { findType, resourceKey, typeOfObject, type ResourceType } from "./resource-catalog.ts";
import type { PatchOptions, ResourceOperations } from "./resource-operations.ts";

/**
 * Direct access to the emulator's objects for tests: seed, inspect, and play other actors (Tekton
 * finishing a run, a user deleting it). Every change here is a real change: it gets a resourceVersion
 * and reaches open watches. `resource` is a plural (`taskruns`), `plural.group` or a kind.
 */
export class SeedingStore {
  readonly #store: ObjectStore;
  readonly #operations: ResourceOperations;
  readonly #catalog: readonly ResourceType[];

  constructor(store: ObjectStore, operations: ResourceOperations, catalog: readonly ResourceType[]) {
    this.#store = store;
    this.#operations = operations;
    this.#catalog = catalog;
  }

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.#store.resourceVersion;
  }

  /** Stores objects as given (status included), typed by apiVersion and kind; returns the stored copies. */
  seed(...objects: readonly JsonObject[]): JsonObject[] {
    return objects.map((object) => {
      const found = typeOfObject(this.#catalog, String(object["apiVersion"] ?? ""), String(object["kind"] ?? ""));
      if (found === undefined) throw badRequest(`the emulator does not serve ${String(object["apiVersion"])} ${String(object["kind"])}`);
      return this.#operations.put(found.type, object);
    });
  }

  get(resource: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const type = this.#type(resource);
    return this.#store.get(resourceKey(type), type.namespaced ? (namespace ?? "default") : "", name);
  }

  list(resource: string, namespace?: string): JsonObject[] {
    const type = this.#type(resource);
    return this.#store.list(resourceKey(type), type.namespaced ? namespace : undefined);
  }

  /**
   * Changes an object, status included, bypassing field ownership (another controller's write, e.g.
   * Tekton finishing a run). Clearing the last finalizer of an object being deleted deletes it.
   */
  modify(resource: string, namespace: string | undefined, name: string, change: (object: JsonObject) => void): JsonObject {
    const type = this.#type(resource);
    const current = this.get(resource, namespace, name);
    if (current === undefined) throw notFound(type, name);
    const next = clone(current);
    change(next);
    const metadata = metadataOf(next);
    metadata["name"] = name;
    if (type.namespaced) metadata["namespace"] = namespace ?? "default";
    return this.#operations.put(type, next);
  }

  /** A patch through the same code as the HTTP PATCH (content type as in `PATCH_TYPES`). */
  patch(resource: string, namespace: string | undefined, name: string, contentType: string, body: unknown, options: PatchOptions): JsonObject {
    const type = this.#type(resource);
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return this.#operations.patch(type, namespace ?? "", name, contentType, text, options);
  }

  /** Deletes like the HTTP DELETE: with finalizers the object stays, with a deletionTimestamp. */
  delete(resource: string, namespace: string | undefined, name: string): { object: JsonObject; deleted: boolean } {
    return this.#operations.delete(this.#type(resource), namespace ?? "", name);
  }

  #type(resource: string): ResourceType {
    const type = findType(this.#catalog, resource);
    if (type === undefined) throw badRequest(`the emulator does not serve ${resource}`);
    return type;
  }
}
