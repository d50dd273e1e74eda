import fc from "fast-check";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { gcsObjects } from "../../src/domain/storage/gcs-objects.ts";
import { grafeasRecords } from "../../src/domain/storage/grafeas-records.ts";
import { attestation, imageSignature, runOf, statementOf } from "./storage-fixtures.ts";

const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
const kind = fc.constantFrom("TaskRun" as const, "PipelineRun" as const);

describe("pure storage records", () => {
  // Every artifact becomes exactly four gcs objects under `<kind>-<namespace>-<name>/<key>`, in the
  // order signature, payload, cert, chain, holding the signature and the payload unchanged.
  it("names gcs objects by run and short key, in the reference's order", () => {
    fc.assert(
      fc.property(kind, dnsLabel, dnsLabel, fc.uint8Array({ maxLength: 64 }), fc.string(), (k, namespace, name, signature, payload) => {
        const artifact = { ...attestation("{}"), signature, payload };
        const objects = gcsObjects(runOf(k, namespace, name), artifact);
        const base = `${k.toLowerCase()}-${namespace}-${name}/${artifact.shortKey}`;
        expect(objects.map((o) => o.name)).toEqual([".signature", ".payload", ".cert", ".chain"].map((s) => `${base}${s}`));
        expect(objects[0]!.bytes).toEqual(signature);
        expect(new TextDecoder().decode(objects[1]!.bytes)).toBe(payload);
      }),
    );
  });

  // Whatever order objects from different namespaces come in, each one's note id comes from its own
  // namespace when storage.grafeas.noteid is empty, and from the configured id otherwise (defect #6).
  it("derives each grafeas note id from the object's own namespace", () => {
    fc.assert(
      fc.property(fc.array(dnsLabel, { minLength: 1, maxLength: 6 }), fc.option(dnsLabel, { nil: undefined }), (namespaces, configured) => {
        const settings = { projectId: "p", noteId: configured ?? "", noteHint: "h" };
        for (const namespace of namespaces) {
          const records = Result.getOrThrow(grafeasRecords(settings, runOf("TaskRun", namespace, "r"), imageSignature("r.example/a", "ab".repeat(32))));
          expect(records.noteId).toBe(`${configured ?? `tekton-${namespace}`}-simplesigning`);
          expect(records.occurrences.every((o) => o.body["noteName"] === `projects/p/notes/${records.noteId}`)).toBe(true);
        }
      }),
    );
  });

  // A SLSA statement yields one BUILD occurrence per (subject, digest) pair, each naming it as `<name>@<alg>:<hex>`.
  it("records one grafeas occurrence per subject digest", () => {
    const subject = fc.record({ name: dnsLabel, digest: fc.dictionary(fc.constantFrom("sha256", "sha512", "sha1"), fc.stringMatching(/^[0-9a-f]{8}$/), { minKeys: 1 }) });
    fc.assert(
      fc.property(fc.array(subject, { maxLength: 5 }), kind, (subjects, k) => {
        const artifact = attestation(statementOf("https://slsa.dev/provenance/v0.2", subjects));
        const records = Result.getOrThrow(grafeasRecords({ projectId: "p", noteId: "", noteHint: "" }, runOf(k, "ns", "r"), artifact));
        expect(records.noteId).toBe(`tekton-ns-${k.toLowerCase()}-intoto`);
        expect(records.occurrences.map((o) => o.resourceUri)).toEqual(
          subjects.flatMap((s) => Object.entries(s.digest).map(([alg, hex]) => `${s.name}@${alg}:${hex}`)),
        );
      }),
    );
  });
});
