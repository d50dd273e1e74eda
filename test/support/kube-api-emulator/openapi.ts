import { createHash } from "node:crypto";
import type { ResourceType } from "./resource-catalog.ts";

/**
 * Just enough OpenAPI v3 for kubectl: its default `--validate=strict` asks the v3 document whether the
 * server supports the `fieldValidation` query parameter on PATCH for the object's group/version/kind;
 * when it does, kubectl leaves validation to the server and never downloads schemas. Without these
 * documents kubectl falls back to client-side validation and fails ("failed to download openapi").
 */
const groupVersions = (catalog: readonly ResourceType[]): Map<string, ResourceType[]> => {
  const out = new Map<string, ResourceType[]>();
  for (const type of catalog) {
    for (const version of type.versions) {
      const key = type.group === "" ? `api/${version}` : `apis/${type.group}/${version}`;
      out.set(key, [...(out.get(key) ?? []), type]);
    }
  }
  return out;
};

const operation = (type: ResourceType, version: string, action: string): object => ({
  operationId: `${action}${type.kind}`,
  "x-kubernetes-action": action,
  "x-kubernetes-group-version-kind": { group: type.group, version, kind: type.kind },
  parameters: [
    { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
    { name: "fieldManager", in: "query", schema: { type: "string", uniqueItems: true } },
    { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
    ...(action === "patch" ? [{ name: "force", in: "query", schema: { type: "boolean", uniqueItems: true } }] : []),
  ],
  responses: { "200": { description: "OK" } },
});

const groupVersionDocument = (key: string, types: readonly ResourceType[]): object => {
  const paths: Record<string, object> = {};
  for (const type of types) {
    const version = key.split("/").at(-1) ?? "v1";
    const prefix = `/${key}${type.namespaced ? "/namespaces/{namespace}" : ""}/${type.plural}`;
    paths[prefix] = { post: operation(type, version, "post") };
    paths[`${prefix}/{name}`] = { put: operation(type, version, "put"), patch: operation(type, version, "patch") };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0-kube-api-emulator" },
    paths,
    components: { schemas: {} },
  };
};

const hashOf = (document: object): string => createHash("sha512").update(JSON.stringify(document)).digest("hex").toUpperCase();

export const openApiV3Root = (catalog: readonly ResourceType[]): object => ({
  paths: Object.fromEntries(
    [...groupVersions(catalog)].map(([key, types]) => [
      key,
      { serverRelativeURL: `/openapi/v3/${key}?hash=${hashOf(groupVersionDocument(key, types))}` },
    ]),
  ),
});

/** The document for `api/v1` or `apis/<group>/<version>`, or undefined. */
export const openApiV3Document = (catalog: readonly ResourceType[], key: string): object | undefined => {
  const types = groupVersions(catalog).get(key);
  return types === undefined ? undefined : groupVersionDocument(key, types);
};
