import { goValueOfJson } from "../../serialization/go-value.ts";
import { goJsonOfJson } from "../../serialization/go-json.ts";
import type { Material } from "../../type-hinting/input-hints.ts";

/** An in-toto v1 `ResourceDescriptor`; empty fields are left out when printed. */
export interface ResourceDescriptor {
  readonly name?: string;
  readonly uri?: string;
  readonly digest?: Readonly<Record<string, string>>;
  /** Go JSON text; printed as standard base64. */
  readonly content?: string;
  readonly mediaType?: string;
}

export const fromMaterial = (material: Material, name?: string): ResourceDescriptor =>
  name === undefined ? { uri: material.uri, digest: material.digest } : { name, uri: material.uri, digest: material.digest };

/** The protojson shape: empty strings, maps and bytes are not printed. */
export const descriptorJson = (d: ResourceDescriptor) => ({
  content: d.content === undefined || d.content === "" ? undefined : Buffer.from(d.content, "utf8").toString("base64"),
  digest: d.digest === undefined || Object.keys(d.digest).length === 0 ? undefined : goValueOfJson(d.digest),
  mediaType: d.mediaType === undefined || d.mediaType === "" ? undefined : d.mediaType,
  name: d.name === undefined || d.name === "" ? undefined : d.name,
  uri: d.uri === undefined || d.uri === "" ? undefined : d.uri,
});

const alwaysKept = (d: ResourceDescriptor): boolean =>
  d.name === "task" || d.name === "pipeline" || (d.name?.startsWith("stepAction/") ?? false);

/**
 * The reference's resolvedDependencies dedup: drop an entry whose (uri, digest, content) equals an
 * earlier one's, names ignored, except `task`, `pipeline` and `stepAction/*`, which always stay.
 */
export const removeDuplicateDependencies = (list: ReadonlyArray<ResourceDescriptor>): ReadonlyArray<ResourceDescriptor> => {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = goJsonOfJson({ uri: d.uri ?? "", digest: d.digest ?? {}, content: d.content ?? "" });
    const duplicate = seen.has(key);
    seen.add(key);
    return !duplicate || alwaysKept(d);
  });
};
