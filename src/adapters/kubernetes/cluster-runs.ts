import { PatchStrategy } from "@kubernetes/client-node";
import type { RunKind } from "../../domain/run/run-object.ts";
import type { RunRef } from "../../domain/run/run-ref.ts";
import { describeApiError, httpStatusOf } from "./api-errors.ts";
import { KubeApi } from "./kube-api.ts";
import { loadKubeConfig } from "./kube-config.ts";
import { configDataOf } from "./kubernetes-cluster.ts";
import { PAGE_SIZE, pageOf } from "./list-watch.ts";
import { listPageQuery, pluralOf, runCollectionPath, runPath } from "./run-resources.ts";
import { resolveTektonVersion, type TektonVersion } from "./tekton-api-version.ts";

/** A one-shot CLI read or write the API server refused or did not answer; the message says which and why. */
export class ClusterRequestFailed extends Error {
  override readonly name = "ClusterRequestFailed";
}

/** One JSON Patch operation (RFC 6902), as the API server takes them with `application/json-patch+json`. */
export type JsonPatchOperation =
  | { readonly op: "test"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string };

/**
 * The runs of a cluster as the one-shot commands (`payload`, `signature`, `verify`, `cleanup`)
 * see them: single reads and writes, no informers, no retries (the user re-runs the command).
 */
export class ClusterRuns {
  readonly #api: KubeApi;
  readonly #version: TektonVersion;
  /** The kubeconfig context's namespace, else `default`, as kubectl picks it. */
  readonly defaultNamespace: string;

  private constructor(api: KubeApi, version: TektonVersion, defaultNamespace: string) {
    this.#api = api;
    this.#version = version;
    this.defaultNamespace = defaultNamespace;
  }

  /** Throws KubeConfigUnusable, ClusterUnavailable or TektonApiMissing when the cluster cannot be used. */
  static async connect(kubeconfig: string | undefined): Promise<ClusterRuns> {
    const config = loadKubeConfig(kubeconfig === undefined ? {} : { kubeconfig });
    const api = new KubeApi(config);
    const namespace = config.getContextObject(config.getCurrentContext())?.namespace;
    try {
      return new ClusterRuns(api, await resolveTektonVersion(api), namespace === undefined || namespace === "" ? "default" : namespace);
    } catch (error) {
      api.close();
      throw error;
    }
  }

  /** The run as the API server returns it; undefined when there is no such run. */
  async getRun(ref: RunRef): Promise<unknown> {
    try {
      return await this.#api.call((a) => a.json({ method: "GET", path: runPath(this.#version, ref) }));
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw new ClusterRequestFailed(`cannot read ${ref.kind} ${ref.namespace}/${ref.name}: ${describeApiError(error)}`);
    }
  }

  /** A ConfigMap's data; undefined when it does not exist. */
  async configMapData(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined> {
    try {
      return configDataOf(await this.#api.call((a) => a.core.readNamespacedConfigMap({ namespace, name })));
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw new ClusterRequestFailed(`cannot read ConfigMap ${namespace}/${name}: ${describeApiError(error)}`);
    }
  }

  /** Every run of a kind, in one namespace or (undefined) all, listed page by page. */
  async listRuns(kind: RunKind, namespace: string | undefined): Promise<ReadonlyArray<unknown>> {
    const plural = pluralOf(kind);
    const path = runCollectionPath(this.#version, kind, namespace);
    const items: Array<unknown> = [];
    let continueToken: string | undefined;
    do {
      const token = continueToken;
      let answer: unknown;
      try {
        answer = await this.#api.call((a) => a.json({ method: "GET", path, query: listPageQuery(PAGE_SIZE, token) }));
      } catch (error) {
        throw new ClusterRequestFailed(
          `cannot list ${plural} ${namespace === undefined ? "in all namespaces" : `in namespace ${namespace}`}: ${describeApiError(error)}`,
        );
      }
      const page = pageOf(answer);
      items.push(...page.items);
      continueToken = page.continueToken;
    } while (continueToken !== undefined);
    return items;
  }

  /**
   * Applies a JSON Patch to a run. Resolves to "applied", or "conflict" when the API server
   * refused it because a `test` operation failed (the run changed since it was read) or the run
   * is gone.
   */
  async patchRun(ref: RunRef, operations: ReadonlyArray<JsonPatchOperation>): Promise<"applied" | "conflict"> {
    try {
      await this.#api.call((a) =>
        a.json({ method: "PATCH", path: runPath(this.#version, ref), body: { json: operations, contentType: PatchStrategy.JsonPatch } }),
      );
      return "applied";
    } catch (error) {
      const status = httpStatusOf(error);
      // A failed `test` answers 422 (Invalid), or 409 on some API server versions.
      if (status === 404 || status === 409 || status === 422) return "conflict";
      throw new ClusterRequestFailed(`cannot patch ${ref.kind} ${ref.namespace}/${ref.name}: ${describeApiError(error)}`);
    }
  }

  close(): void {
    this.#api.close();
  }
}
