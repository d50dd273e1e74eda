import { goJsonOfJson, goQuote } from "../serialization/go-json.ts";
import type { OciDigest } from "./oci-digest.ts";

/** An OCI platform, in go-containerregistry's `v1.Platform` field order. */
export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly "os.version"?: string;
  readonly "os.features"?: ReadonlyArray<string>;
  readonly variant?: string;
  readonly features?: ReadonlyArray<string>;
}

/** An OCI content descriptor; optional fields are left out when absent, as Go's `omitempty` does. */
export interface Descriptor {
  readonly mediaType: string;
  readonly size: number;
  readonly digest: OciDigest;
  /** Embedded content, standard base64. */
  readonly data?: string;
  readonly urls?: ReadonlyArray<string>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
  readonly artifactType?: string;
}

/** Go JSON of a descriptor, fields in go-containerregistry's `v1.Descriptor` order. */
export const descriptorJson = (d: Descriptor): string => {
  const fields = [
    `"mediaType":${goQuote(d.mediaType)}`,
    `"size":${d.size}`,
    `"digest":${goQuote(d.digest)}`,
  ];
  if (d.data !== undefined && d.data !== "") fields.push(`"data":${goQuote(d.data)}`);
  if (d.urls !== undefined && d.urls.length > 0) fields.push(`"urls":${stringArrayJson(d.urls)}`);
  if (d.annotations !== undefined && Object.keys(d.annotations).length > 0) {
    fields.push(`"annotations":${goJsonOfJson(d.annotations)}`);
  }
  if (d.platform !== undefined) fields.push(`"platform":${platformJson(d.platform)}`);
  if (d.artifactType !== undefined && d.artifactType !== "") {
    fields.push(`"artifactType":${goQuote(d.artifactType)}`);
  }
  return `{${fields.join(",")}}`;
};

const platformJson = (p: Platform): string => {
  const fields = [`"architecture":${goQuote(p.architecture)}`, `"os":${goQuote(p.os)}`];
  if (p["os.version"]) fields.push(`"os.version":${goQuote(p["os.version"])}`);
  if (p["os.features"]?.length) fields.push(`"os.features":${stringArrayJson(p["os.features"])}`);
  if (p.variant) fields.push(`"variant":${goQuote(p.variant)}`);
  if (p.features?.length) fields.push(`"features":${stringArrayJson(p.features)}`);
  return `{${fields.join(",")}}`;
};

export const stringArrayJson = (values: ReadonlyArray<string>): string =>
  `[${values.map(goQuote).join(",")}]`;
