import { Data } from "effect";
import { descriptorJson, type Descriptor, type Platform } from "./descriptor.ts";
import { goJsonOfJson, goQuote } from "../serialization/go-json.ts";
import { isOciDigest } from "./oci-digest.ts";
import { isJsonObject, parseJsonBytes } from "./json-object.ts";

/** An OCI (or Docker schema 2) image manifest, as go-containerregistry's `v1.Manifest`. */
export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly config: Descriptor;
  readonly layers: ReadonlyArray<Descriptor>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly subject?: Descriptor;
  readonly artifactType?: string;
}

/** Bytes that a registry returned as a manifest but that are not an image manifest we can extend. */
export class InvalidImageManifest extends Data.TaggedError("InvalidImageManifest")<{
  readonly reason: string;
}> {}

/** Go JSON of a manifest in `v1.Manifest` field order (the bytes that are pushed and digested). */
export const imageManifestJson = (m: ImageManifest): string => {
  const fields = [
    `"schemaVersion":${m.schemaVersion}`,
    `"mediaType":${goQuote(m.mediaType)}`,
    `"config":${descriptorJson(m.config)}`,
    `"layers":[${m.layers.map(descriptorJson).join(",")}]`,
  ];
  if (m.annotations !== undefined && Object.keys(m.annotations).length > 0) {
    fields.push(`"annotations":${goJsonOfJson(m.annotations)}`);
  }
  if (m.subject !== undefined) fields.push(`"subject":${descriptorJson(m.subject)}`);
  if (m.artifactType !== undefined && m.artifactType !== "") {
    fields.push(`"artifactType":${goQuote(m.artifactType)}`);
  }
  return `{${fields.join(",")}}`;
};

/** Reads manifest bytes fetched from a registry; throws nothing, returns a typed failure instead. */
export const parseImageManifest = (bytes: Uint8Array): ImageManifest | InvalidImageManifest => {
  const parsed = parseJsonBytes(bytes);
  if ("error" in parsed) return new InvalidImageManifest({ reason: `not UTF-8 JSON: ${parsed.error}` });
  const json = parsed.value;
  if (!isJsonObject(json)) return new InvalidImageManifest({ reason: "not a JSON object" });
  if (json["schemaVersion"] !== 2) return new InvalidImageManifest({ reason: "schemaVersion is not 2" });
  const config = parseDescriptor(json["config"], "config");
  if (config instanceof InvalidImageManifest) return config;
  const rawLayers = json["layers"] ?? [];
  if (!Array.isArray(rawLayers)) return new InvalidImageManifest({ reason: "layers is not an array" });
  const layers: Descriptor[] = [];
  for (const [i, raw] of rawLayers.entries()) {
    const layer = parseDescriptor(raw, `layers[${i}]`);
    if (layer instanceof InvalidImageManifest) return layer;
    layers.push(layer);
  }
  const annotations = parseStringMap(json["annotations"], "annotations");
  if (annotations instanceof InvalidImageManifest) return annotations;
  const subject = json["subject"] === undefined ? undefined : parseDescriptor(json["subject"], "subject");
  if (subject instanceof InvalidImageManifest) return subject;
  const mediaType = json["mediaType"] ?? "";
  const artifactType = json["artifactType"] ?? "";
  if (typeof mediaType !== "string" || typeof artifactType !== "string") {
    return new InvalidImageManifest({ reason: "mediaType or artifactType is not a string" });
  }
  return {
    schemaVersion: 2,
    mediaType,
    config,
    layers,
    ...(annotations === undefined ? {} : { annotations }),
    ...(subject === undefined ? {} : { subject }),
    ...(artifactType === "" ? {} : { artifactType }),
  };
};

export const parseDescriptor = (raw: unknown, where: string): Descriptor | InvalidImageManifest => {
  if (!isJsonObject(raw)) return new InvalidImageManifest({ reason: `${where} is not an object` });
  const { mediaType, size, digest, data, urls, platform, artifactType } = raw;
  if (typeof mediaType !== "string") return new InvalidImageManifest({ reason: `${where}.mediaType is not a string` });
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    return new InvalidImageManifest({ reason: `${where}.size is not a non-negative integer` });
  }
  if (typeof digest !== "string" || !isOciDigest(digest)) {
    return new InvalidImageManifest({ reason: `${where}.digest is not a sha256 digest` });
  }
  if (data !== undefined && typeof data !== "string") return new InvalidImageManifest({ reason: `${where}.data is not a string` });
  if (urls !== undefined && !isStringArray(urls)) return new InvalidImageManifest({ reason: `${where}.urls is not a string list` });
  if (artifactType !== undefined && typeof artifactType !== "string") {
    return new InvalidImageManifest({ reason: `${where}.artifactType is not a string` });
  }
  const annotations = parseStringMap(raw["annotations"], `${where}.annotations`);
  if (annotations instanceof InvalidImageManifest) return annotations;
  const parsedPlatform = platform === undefined ? undefined : parsePlatform(platform, `${where}.platform`);
  if (parsedPlatform instanceof InvalidImageManifest) return parsedPlatform;
  return {
    mediaType,
    size,
    digest,
    ...(data === undefined ? {} : { data }),
    ...(urls === undefined ? {} : { urls }),
    ...(annotations === undefined ? {} : { annotations }),
    ...(parsedPlatform === undefined ? {} : { platform: parsedPlatform }),
    ...(artifactType === undefined ? {} : { artifactType }),
  };
};

const parsePlatform = (raw: unknown, where: string): Platform | InvalidImageManifest => {
  if (!isJsonObject(raw)) return new InvalidImageManifest({ reason: `${where} is not an object` });
  const { architecture, os, variant } = raw;
  const osVersion = raw["os.version"];
  const osFeatures = raw["os.features"];
  const features = raw["features"];
  if (
    typeof architecture !== "string" ||
    typeof os !== "string" ||
    (osVersion !== undefined && typeof osVersion !== "string") ||
    (variant !== undefined && typeof variant !== "string") ||
    (osFeatures !== undefined && !isStringArray(osFeatures)) ||
    (features !== undefined && !isStringArray(features))
  ) {
    return new InvalidImageManifest({ reason: `${where} is malformed` });
  }
  return {
    architecture,
    os,
    ...(osVersion === undefined ? {} : { "os.version": osVersion }),
    ...(osFeatures === undefined ? {} : { "os.features": osFeatures }),
    ...(variant === undefined ? {} : { variant }),
    ...(features === undefined ? {} : { features }),
  };
};

const parseStringMap = (
  raw: unknown,
  where: string,
): Readonly<Record<string, string>> | undefined | InvalidImageManifest => {
  if (raw === undefined || raw === null) return undefined;
  if (!isJsonObject(raw) || !Object.values(raw).every((v) => typeof v === "string")) {
    return new InvalidImageManifest({ reason: `${where} is not a string map` });
  }
  return raw as Record<string, string>;
};


const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
