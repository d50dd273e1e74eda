import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { configDataFromDocument } from "../../src/domain/config/config-document.ts";
import type { ConfigInvalid } from "../../src/domain/config/config-invalid.ts";

const data = (doc: unknown): Record<string, string> => {
  const result = configDataFromDocument(doc);
  if (Result.isFailure(result)) throw new Error(`expected success, got: ${result.failure.message}`);
  return result.success;
};
const failure = (doc: unknown): ConfigInvalid => {
  const result = configDataFromDocument(doc);
  if (Result.isSuccess(result)) throw new Error(`expected ConfigInvalid for ${JSON.stringify(doc)}`);
  return result.failure;
};

const manifest = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: chains-config
  namespace: tekton-chains
data:
  artifacts.taskrun.format: slsa/v1
  artifacts.oci.storage: ""
  transparency.enabled: "true"
`;

describe("configDataFromDocument", () => {
  it("takes the data of a ConfigMap manifest", () => {
    expect(data(parseYaml(manifest))).toEqual({
      "artifacts.taskrun.format": "slsa/v1",
      "artifacts.oci.storage": "",
      "transparency.enabled": "true",
    });
  });

  it("takes a flat map as the data itself", () => {
    const flat = { "artifacts.taskrun.format": "slsa/v1", "builder.id": "https://example/builder" };
    expect(data(flat)).toEqual(flat);
  });

  it.each([null, undefined, parseYaml(""), {}])("an empty document %j has no keys", (doc) => {
    expect(data(doc)).toEqual({});
  });

  it.each([
    ["absent", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: chains-config}\n"],
    ["null", "apiVersion: v1\nkind: ConfigMap\ndata:\n"],
    ["empty", "apiVersion: v1\nkind: ConfigMap\ndata: {}\n"],
  ])("a ConfigMap with %s data has no keys", (_what, yaml) => {
    expect(data(parseYaml(yaml))).toEqual({});
  });

  it("rejects an unquoted YAML bool in a ConfigMap, naming the key", () => {
    const error = failure(parseYaml("kind: ConfigMap\ndata:\n  transparency.enabled: true\n"));
    expect(error.key).toBe("transparency.enabled");
    expect(error.value).toContain("true");
    expect(error.message).toContain("transparency.enabled");
    expect(error.message).toMatch(/must be a string/);
  });

  it.each([
    ["a number", 3],
    ["a list", ["tekton"]],
    ["a map", { a: "b" }],
    ["null", null],
  ])("rejects %s as a value of a flat map", (_what, value) => {
    const error = failure({ "artifacts.taskrun.storage": value });
    expect(error.key).toBe("artifacts.taskrun.storage");
    expect(error.message).toMatch(/must be a string/);
  });

  it.each([["a string", "tekton"], ["a list", [1]], ["a number", 7]])("rejects %s as the whole document", (_what, doc) => {
    expect(failure(doc).key).toBe("<document>");
  });

  it("rejects a ConfigMap whose data is not a map", () => {
    const error = failure({ kind: "ConfigMap", data: ["a"] });
    expect(error.key).toBe("data");
  });

  it("rejects a manifest of another kind, naming the kind", () => {
    const error = failure(parseYaml("apiVersion: v1\nkind: Secret\ndata: {a: b}\n"));
    expect(error.key).toBe("kind");
    expect(error.value).toBe("Secret");
    expect(error.allowed).toEqual(["ConfigMap"]);
    expect(error.message).toContain('"ConfigMap"');
  });
});
