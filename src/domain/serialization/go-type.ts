import { parseGoDuration, formatGoDuration } from "./go-duration.ts";
import { compareCodePoints, goValueKeepingOrder, goValueOfJson, type GoValue } from "./go-value.ts";
import { formatKubernetesTime, parseRfc3339 } from "./rfc3339.ts";
import { goField } from "./go-field.ts";
import { paramValueOf, paramValueToGo } from "./param-value.ts";

/**
 * A description of a Go type, enough to reproduce `json.Unmarshal` into it followed by
 * `json.Marshal`: unknown fields disappear, zero values appear unless `omitempty`, nil slices and
 * maps print `null`, map keys come out sorted, and Tekton's custom (un)marshallers apply.
 */
export type GoType =
  | { readonly kind: "string" }
  | { readonly kind: "bool" }
  | { readonly kind: "int" }
  | { readonly kind: "struct"; readonly fields: ReadonlyArray<GoField> }
  | { readonly kind: "pointer"; readonly to: GoType }
  | { readonly kind: "slice"; readonly of: GoType }
  | { readonly kind: "map"; readonly of: GoType }
  /** Tekton `ParamValue` / `ResultValue`: a string, array of strings or object of strings. */
  | { readonly kind: "paramValue" }
  /** `runtime.RawExtension`: the bytes as given, `null` when unset. */
  | { readonly kind: "rawExtension" }
  /** A Kubernetes struct not modelled field by field, kept as given; nil when unset. */
  | { readonly kind: "opaque" }
  /** `interface{}` / `map[string]interface{}`: generic JSON with sorted keys. */
  | { readonly kind: "any" }
  /** `metav1.Time` (a struct: `null` when zero, never omitted). */
  | { readonly kind: "time" }
  /** `metav1.Duration`. */
  | { readonly kind: "duration" }
  | { readonly kind: "lazy"; readonly get: () => GoType };

export type GoField =
  | { readonly name: string; readonly type: GoType; readonly omitempty: boolean }
  /** An embedded (anonymous) struct: its fields are flattened into the parent. */
  | { readonly embedded: GoType };

export const goString: GoType = { kind: "string" };
export const goBool: GoType = { kind: "bool" };
export const goInt: GoType = { kind: "int" };
export const goAny: GoType = { kind: "any" };
export const goOpaque: GoType = { kind: "opaque" };
export const goTime: GoType = { kind: "time" };
export const goDuration: GoType = { kind: "duration" };
export const goParamValue: GoType = { kind: "paramValue" };
export const goRawExtension: GoType = { kind: "rawExtension" };
export const pointer = (to: GoType): GoType => ({ kind: "pointer", to });
export const slice = (of: GoType): GoType => ({ kind: "slice", of });
export const map = (of: GoType): GoType => ({ kind: "map", of });
export const lazy = (get: () => GoType): GoType => ({ kind: "lazy", get });
export const struct = (...fields: ReadonlyArray<GoField>): GoType => ({ kind: "struct", fields });
/** `json:"name"` */
export const req = (name: string, type: GoType): GoField => ({ name, type, omitempty: false });
/** `json:"name,omitempty"` */
export const opt = (name: string, type: GoType): GoField => ({ name, type, omitempty: true });
export const embed = (type: GoType): GoField => ({ embedded: type });

interface Decoded {
  readonly value: GoValue;
  /** Go's `isEmptyValue`, deciding `omitempty`. */
  readonly empty: boolean;
}

const isObject = (raw: unknown): raw is Record<string, unknown> =>
  typeof raw === "object" && raw !== null && !Array.isArray(raw);

const nil: Decoded = { value: null, empty: true };

const structEntries = (fields: ReadonlyArray<GoField>, raw: unknown, into: Map<string, GoValue>): void => {
  for (const field of fields) {
    if ("embedded" in field) {
      const inner = resolve(field.embedded);
      if (inner.kind === "struct") structEntries(inner.fields, raw, into);
      continue;
    }
    const decoded = decode(field.type, goField(raw, field.name));
    if (field.omitempty && decoded.empty) continue;
    if (!into.has(field.name)) into.set(field.name, decoded.value);
  }
};

const resolve = (type: GoType): GoType => (type.kind === "lazy" ? resolve(type.get()) : type);

const decode = (type: GoType, raw: unknown): Decoded => {
  switch (type.kind) {
    case "lazy":
      return decode(type.get(), raw);
    case "string": {
      const value = typeof raw === "string" ? raw : "";
      return { value, empty: value === "" };
    }
    case "bool": {
      const value = raw === true;
      return { value, empty: !value };
    }
    case "int": {
      const value = typeof raw === "number" && Number.isFinite(raw) ? Math.trunc(raw) : 0;
      return { value, empty: value === 0 };
    }
    case "struct": {
      const into = new Map<string, GoValue>();
      structEntries(type.fields, isObject(raw) ? raw : undefined, into);
      return { value: into, empty: false };
    }
    case "pointer":
      return raw === undefined || raw === null ? nil : { value: decode(type.to, raw).value, empty: false };
    case "slice":
      if (!Array.isArray(raw)) return nil;
      return { value: raw.map((item: unknown) => decode(type.of, item).value), empty: raw.length === 0 };
    case "map": {
      if (!isObject(raw)) return nil;
      const keys = Object.keys(raw).sort(compareCodePoints);
      return {
        value: new Map(keys.map((k) => [k, decode(type.of, raw[k]).value] as const)),
        empty: keys.length === 0,
      };
    }
    case "paramValue":
      return { value: paramValueToGo(paramValueOf(raw)), empty: false };
    case "rawExtension":
      return { value: raw === undefined || raw === null ? null : goValueKeepingOrder(raw), empty: false };
    case "opaque":
      return raw === undefined || raw === null ? nil : { value: goValueKeepingOrder(raw), empty: false };
    case "any":
      if (raw === undefined || raw === null) return nil;
      return {
        value: goValueOfJson(raw),
        empty: (Array.isArray(raw) && raw.length === 0) || (isObject(raw) && Object.keys(raw).length === 0),
      };
    case "time": {
      const parsed = typeof raw === "string" ? parseRfc3339(raw) : undefined;
      return { value: parsed === undefined ? null : formatKubernetesTime(parsed), empty: false };
    }
    case "duration": {
      const nanos = typeof raw === "string" ? parseGoDuration(raw) : undefined;
      return { value: formatGoDuration(nanos ?? 0n), empty: false };
    }
  }
};

/** What `json.Marshal` prints after `json.Unmarshal` of `raw` into a value of `type`. */
export const goValueAs = (type: GoType, raw: unknown): GoValue => decode(type, raw).value;
