import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RunFormatName } from "../../src/domain/config/chains-config.ts";
import { buildRunPayload, imagesToSign } from "../../src/domain/formats/run-payload.ts";

const hexOf = (n: number) => fc.stringMatching(new RegExp(`^[a-f0-9]{${n}}$`));
const digest = fc.oneof(
  fc.constantFrom(`sha256:${"a".repeat(64)}`, `sha256:${"b".repeat(64)}`),
  hexOf(64).map((h) => `sha256:${h}`),
  hexOf(40).map((h) => `sha1:${h}`),
  hexOf(128).map((h) => `sha512:${h}`),
  hexOf(64).map((h) => `SHA256:${h}`),
  fc.constantFrom("sha256:", "sha256@abc", "md5:abc", ""),
  fc.string(),
);
const uri = fc.oneof(fc.constantFrom("gcr.io/a/b", "ubuntu", "docker.io/x/y:v1", "abc", "", " pkg:x ", "docker.io/library/ubuntu"), fc.string());
const suffix = fc.constantFrom(
  "IMAGE_URL",
  "IMAGE_DIGEST",
  "IMAGES",
  "ARTIFACT_URI",
  "ARTIFACT_DIGEST",
  "ARTIFACT_OUTPUTS",
  "ARTIFACT_INPUTS",
  "CHAINS-GIT_URL",
  "CHAINS-GIT_COMMIT",
  "other",
);
const value = fc.oneof(
  uri,
  digest,
  fc.tuple(uri, digest).map(([u, d]) => `${u}@${d}`),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.record({ uri, digest, isBuildArtifact: fc.constantFrom("true", "false", "TRUE") }, { requiredKeys: [] }),
  fc.jsonValue(),
);
const prefix = fc.constantFrom("", "a-", "b_");
const result = fc.record({ name: fc.tuple(prefix, suffix).map(([p, s]) => p + s), value });
/** Well-formed hints (often colliding on name and digest), mixed with arbitrary results. */
const hintResults = fc.oneof(
  fc.tuple(prefix, uri, digest).map(([p, u, d]) => [
    { name: `${p}IMAGE_URL`, value: u },
    { name: `${p}IMAGE_DIGEST`, value: d },
  ]),
  fc.tuple(prefix, uri, digest).map(([p, u, d]) => [
    { name: `${p}ARTIFACT_URI`, value: u },
    { name: `${p}ARTIFACT_DIGEST`, value: d },
  ]),
  fc.array(fc.tuple(uri, digest), { maxLength: 3 }).map((refs) => [{ name: "IMAGES", value: refs.map(([u, d]) => `${u}@${d}`).join(",") }]),
  fc.tuple(prefix, uri, digest, fc.constantFrom("true", "false")).map(([p, u, d, b]) => [
    { name: `${p}ARTIFACT_OUTPUTS`, value: { uri: u, digest: d, isBuildArtifact: b } },
  ]),
  result.map((r) => [r]),
);
const results = fc.array(hintResults, { maxLength: 5 }).map((groups) => groups.flat());
const taskRun = fc.record({
  metadata: fc.record({ name: fc.string(), uid: fc.string() }),
  spec: fc.record({ params: results }, { requiredKeys: [] }),
  status: fc.record(
    {
      results,
      steps: fc.array(fc.record({ name: fc.string(), imageID: fc.oneof(uri, fc.tuple(uri, digest).map(([u, d]) => `${u}@${d}`)), results }), {
        maxLength: 3,
      }),
      completionTime: fc.constantFrom("2024-05-01T12:00:00Z", "garbage"),
    },
    { requiredKeys: [] },
  ),
});
const format = fc.constantFrom<RunFormatName>("in-toto", "slsa/v1", "slsa/v2alpha3", "slsa/v2alpha4", "tekton");
const options = fc.record({
  builderId: fc.string(),
  buildType: fc.constantFrom("https://tekton.dev/chains/v2/slsa", "https://tekton.dev/chains/v2/slsa-tekton") as fc.Arbitrary<
    "https://tekton.dev/chains/v2/slsa" | "https://tekton.dev/chains/v2/slsa-tekton"
  >,
  deepInspection: fc.boolean(),
});

const hexLength: Readonly<Record<string, number>> = { sha1: 40, sha256: 64, sha384: 96, sha512: 128 };
type Subject = { name: string; digest: Record<string, string> };
const subjectsOf = (payload: string): ReadonlyArray<Subject> => (JSON.parse(payload) as { subject?: Array<Subject> }).subject ?? [];

describe("payload properties", () => {
  // Invariant: for any results and params, every format produces a JSON payload and never throws.
  it("never fails on arbitrary results and params", () => {
    fc.assert(
      fc.property(taskRun, fc.array(taskRun, { maxLength: 2 }), format, options, fc.boolean(), (run, children, f, opts, pr) => {
        const result = buildRunPayload({ kind: pr ? "PipelineRun" : "TaskRun", run, children, format: f, options: opts });
        expect(Result.isSuccess(result)).toBe(true);
        if (Result.isSuccess(result)) expect(() => JSON.parse(result.success.payload)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  // Invariant: no two subjects share a name and an identical alg:hex digest (the merge rule folds them).
  it("de-duplicates subjects", () => {
    fc.assert(
      fc.property(taskRun, format.filter((f) => f !== "tekton"), options, (run, f, opts) => {
        const result = buildRunPayload({ kind: "TaskRun", run, children: [], format: f, options: opts });
        if (Result.isFailure(result)) throw new Error(result.failure.message);
        const subjects = subjectsOf(result.success.payload);
        subjects.forEach((a, i) =>
          subjects.slice(i + 1).forEach((b) => {
            if (a.name !== b.name) return;
            for (const [alg, hex] of Object.entries(b.digest)) expect(a.digest[alg]).not.toBe(hex);
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  // Invariant: every subject digest is a known algorithm with a hex value of that algorithm's length (as written, so compared trimmed and case-folded).
  it("gives every subject a valid digest", () => {
    let withSubjects = 0;
    fc.assert(
      fc.property(taskRun, format.filter((f) => f !== "tekton"), options, (run, f, opts) => {
        const result = buildRunPayload({ kind: "TaskRun", run, children: [], format: f, options: opts });
        if (Result.isFailure(result)) throw new Error(result.failure.message);
        if (subjectsOf(result.success.payload).length > 0) withSubjects++;
        for (const subject of subjectsOf(result.success.payload)) {
          expect(Object.keys(subject.digest).length).toBeGreaterThan(0);
          for (const [alg, hex] of Object.entries(subject.digest)) {
            const length = hexLength[alg.trim().toLowerCase()];
            expect(length).toBeDefined();
            expect(hex.trim()).toMatch(new RegExp(`^[a-f0-9]{${String(length)}}$`));
          }
        }
      }),
      { numRuns: 300 },
    );
    // The generator must reach the interesting case, or the property says nothing.
    expect(withSubjects).toBeGreaterThan(10);
  });

  // Invariant: images to sign are unique by repository@digest and each is a sha256 digest reference.
  it("signs each image once", () => {
    fc.assert(
      fc.property(taskRun, (run) => {
        const { images } = imagesToSign(run);
        const keys = images.map((i) => `${i.repository}@${i.digest}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const i of images) expect(i.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      }),
      { numRuns: 300 },
    );
  });
});
