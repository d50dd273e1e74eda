import { isObject, type JsonObject } from "./json-values.ts";

/** A `meta.k8s.io/v1` Table with Name and Age columns, for `kubectl get` without `-o`. */
export const asTable = (objects: readonly JsonObject[], includeObject: string | null, resourceVersion: string | undefined): JsonObject => ({
  kind: "Table",
  apiVersion: "meta.k8s.io/v1",
  metadata: resourceVersion === undefined ? {} : { resourceVersion },
  columnDefinitions: [
    { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.", priority: 0 },
    { name: "Age", type: "date", format: "", description: "CreationTimestamp of the object.", priority: 0 },
  ],
  rows: objects.map((object) => {
    const metadata = isObject(object["metadata"]) ? object["metadata"] : {};
    return {
      cells: [metadata["name"] ?? "", age(metadata["creationTimestamp"])],
      object:
        includeObject === "None"
          ? null
          : includeObject === "Object"
            ? object
            : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata },
    };
  }),
});

/** `translateTimestampSince`: the short human duration kubectl prints in the AGE column. */
const age = (created: unknown): string => {
  if (typeof created !== "string") return "<unknown>";
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(created)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
};

export const wantsTable = (accept: string | undefined): boolean => accept !== undefined && /as=Table/.test(accept);
