import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configDataFromDocument } from "../../src/domain/config/config-document.ts";
import { defaultChainsConfig, parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import { findManifest, readDeployFile, releaseManifests } from "./deploy-manifests.ts";

/**
 * The commented-out `# data:` block of the chains-config manifest, uncommented: the lines from
 * `# data:` up to the next non-comment line, each with its leading "# " removed.
 */
const commentedDefaults = (): string => {
  const lines = readDeployFile("configmap.yaml").split("\n");
  const start = lines.findIndex((line) => line === "# data:");
  if (start < 0) throw new Error("deploy/configmap.yaml has no commented '# data:' block");
  const end = lines.findIndex((line, i) => i > start && !line.startsWith("#"));
  return lines
    .slice(start, end)
    .map((line) => line.replace(/^# ?/, ""))
    .join("\n");
};

const commentedData = (): Record<string, string> =>
  Result.getOrThrow(configDataFromDocument((parse(commentedDefaults()) as { data: unknown }).data));

/** Leaf path → JSON value of a parsed configuration (arrays are leaves). */
const leaves = (value: unknown, path = ""): Map<string, string> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return new Map([[path, JSON.stringify(value)]]);
  return new Map(Object.entries(value).flatMap(([key, child]) => [...leaves(child, path === "" ? key : `${path}.${key}`)]));
};

const defaults = leaves(defaultChainsConfig);

/** Keys a key is only valid with: keyless signing needs transparency. */
const companions: Readonly<Record<string, Record<string, string>>> = {
  "signers.x509.fulcio.enabled": { "transparency.enabled": "true" },
};

/** The fields `data` changes, over the configuration its key's companions already give. */
const changedLeaves = (data: Record<string, string>, key: string): ReadonlyArray<string> => {
  const base = companions[key] ?? {};
  const result = parseChainsConfig({ ...base, ...data });
  if (Result.isFailure(result)) return [];
  const baseline = leaves(Result.getOrThrow(parseChainsConfig(base)).config);
  return [...leaves(result.success.config)].filter(([path, value]) => baseline.get(path) !== value).map(([path]) => path);
};

/**
 * The configuration fields a key controls, found by setting it: a free string changes its field
 * directly; a rejected probe value names the key and lists the accepted values, each of which is tried.
 */
const fieldsControlledBy = (key: string): ReadonlySet<string> => {
  const probe = parseChainsConfig({ [key]: "chains-ts-deploy-probe" });
  if (Result.isSuccess(probe)) return new Set(changedLeaves({ [key]: "chains-ts-deploy-probe" }, key));
  if (probe.failure.key !== key) throw new Error(`setting ${key} failed on another key: ${probe.failure.message}`);
  return new Set(probe.failure.allowed.flatMap((value) => changedLeaves({ [key]: value }, key)));
};

const configKeyPattern = /\b(?:artifacts|storage|signers|transparency|builder|builddefinition|filter)\.[a-z0-9.-]*[a-z0-9]/g;

describe("the chains-config ConfigMap in deploy/", () => {
  it("holds data chains-ts accepts as it stands (through the same reader as `--config`)", () => {
    const manifest = findManifest(releaseManifests(), "ConfigMap", "chains-config");
    expect(manifest.metadata.namespace).toBe("tekton-chains");
    const data = Result.getOrThrow(configDataFromDocument(manifest));
    const parsed = parseChainsConfig(data);
    expect(Result.isSuccess(parsed) ? parsed.success.warnings : parsed.failure.message).toEqual([]);
  });

  // No warnings also means no deprecated `tekton` format, which the reference's manifest still shows.
  it("documents every key at its default: the commented block, uncommented, parses to the default configuration without warnings", () => {
    const data = commentedData();
    expect(Object.keys(data).length).toBeGreaterThan(0);
    const parsed = parseChainsConfig(data);
    if (Result.isFailure(parsed)) throw new Error(parsed.failure.message);
    expect(parsed.success.warnings).toEqual([]);
    expect(parsed.success.config).toEqual(defaultChainsConfig);
  });

  it("names only keys chains-ts reads", () => {
    const named = new Set(commentedDefaults().match(configKeyPattern));
    const unread = [...named].filter((key) => fieldsControlledBy(key).size === 0 && key !== "artifacts.oci.format");
    expect(unread).toEqual([]);
  });

  it("covers every configuration field chains-ts has (set directly, or named in a comment)", () => {
    const named = [...new Set(commentedDefaults().match(configKeyPattern))];
    const covered = new Set(named.flatMap((key) => [...fieldsControlledBy(key)]));
    // artifacts.oci.format has a single accepted value, so setting it can never change the field.
    covered.add("artifacts.oci.format");
    expect([...defaults.keys()].filter((field) => !covered.has(field))).toEqual([]);
  });
});
