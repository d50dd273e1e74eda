import { describe, expect, it } from "vitest";
import { type ChaosRow, failures, renderTable } from "../../chaos/chaos-row.ts";
import type { RunAudit } from "../../chaos/run-audit.ts";

const clean: RunAudit = { runs: 3, lost: [], badSignatures: [], finalizersLeft: [], duplicateLayers: [], duplicatesBetweenStoreAndAnnotate: [] };
const row = (overrides: Partial<ChaosRow>, audit: Partial<RunAudit> = {}): ChaosRow => ({ scenario: "s", audit: { ...clean, ...audit }, notes: [], ...overrides });

describe("chaos rows", () => {
  it("pass with clean figures within their bounds", () => {
    expect(failures(row({ maxTakeoverS: 14.2, takeoverBoundS: 20, maxDeletionBlockS: 30, deletionBoundS: 30 }))).toEqual([]);
  });

  it("fail on each count, naming the runs", () => {
    expect(failures(row({}, { lost: ["a"] }))).toEqual(["lost: a"]);
    expect(failures(row({}, { badSignatures: ["b sha256-1.sig"] }))).toEqual(["bad signatures: b sha256-1.sig"]);
    expect(failures(row({}, { finalizersLeft: ["c"] }))).toEqual(["finalizers left: c"]);
  });

  it("accept a second layer only where a kill fell between storing and annotating", () => {
    expect(failures(row({}, { duplicateLayers: ["a t.sig"], duplicatesBetweenStoreAndAnnotate: ["a t.sig"] }))).toEqual([]);
    expect(failures(row({}, { duplicateLayers: ["a t.sig", "b t.att"], duplicatesBetweenStoreAndAnnotate: ["a t.sig"] }))).toEqual([
      "duplicate layers not explained by a kill between store and annotate: b t.att",
    ]);
  });

  it("fail past a bound, and when the thing measured never happened", () => {
    expect(failures(row({ maxTakeoverS: 20.5, takeoverBoundS: 20 }))).toEqual(["takeover 20.5 s > bound 20 s"]);
    expect(failures(row({ maxTakeoverS: Number.POSITIVE_INFINITY, takeoverBoundS: 20 }))).toEqual(["takeover never > bound 20 s"]);
    expect(failures(row({ maxDeletionBlockS: 31, deletionBoundS: 30 }))).toEqual(["deletion blocked 31.0 s > bound 30 s"]);
  });

  it("ignore lost runs where ending unsigned is the point (deleted runs), and fail a scenario that did not finish", () => {
    expect(failures(row({ lostNotExpected: true }, { lost: ["deleted"] }))).toEqual([]);
    expect(failures(row({ error: "registry did not start" }))).toEqual(["did not finish: registry did not start"]);
  });

  it("print one table line per row with its verdict, and the reasons under the table", () => {
    const table = renderTable([row({ scenario: "good" }), row({ scenario: "bad" }, { lost: ["x"], duplicateLayers: ["y t.att"], duplicatesBetweenStoreAndAnnotate: ["y t.att"] })]);
    const lines = table.split("\n");
    expect(lines.find((l) => l.startsWith("| good"))).toMatch(/\| PASS +\|$/);
    expect(lines.find((l) => l.startsWith("| bad"))).toMatch(/\| 1 +\| 0 +\| 0 +\| 1 \(1\) +\|.*\| FAIL +\|$/);
    expect(table).toContain("bad:\n  FAIL lost: x");
  });
});
