import type { RunAudit } from "./run-audit.ts";

/** One line of the table: a scenario's figures and whether they meet its bounds. */
export interface ChaosRow {
  readonly scenario: string;
  readonly audit: RunAudit;
  /** Seconds from the leader's death until a standby held both Leases; undefined when not measured. */
  readonly maxTakeoverS?: number;
  readonly takeoverBoundS?: number;
  /** Seconds from a deletion until the run was gone; undefined when not measured. */
  readonly maxDeletionBlockS?: number;
  readonly deletionBoundS?: number;
  /** Runs that are meant to end other than signed (e.g. deleted): not counted as lost. */
  readonly lostNotExpected?: boolean;
  /** The scenario could not finish (the harness failed): the row fails with this. */
  readonly error?: string;
  /** Why it failed beyond the counts, and what else was seen (restarts, kills that landed elsewhere). */
  readonly notes: ReadonlyArray<string>;
}

/** A measured duration; infinite means it never happened within the scenario's patience (see the notes). */
const showSeconds = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} s` : "never");

/** The reasons a row fails; none means it passes. */
export const failures = (row: ChaosRow): ReadonlyArray<string> => {
  const { audit } = row;
  const reasons: Array<string> = row.error === undefined ? [] : [`did not finish: ${row.error}`];
  if (row.lostNotExpected !== true && audit.lost.length > 0) reasons.push(`lost: ${audit.lost.join(", ")}`);
  if (audit.badSignatures.length > 0) reasons.push(`bad signatures: ${audit.badSignatures.join(", ")}`);
  if (audit.finalizersLeft.length > 0) reasons.push(`finalizers left: ${audit.finalizersLeft.join(", ")}`);
  const unexplained = audit.duplicateLayers.filter((d) => !audit.duplicatesBetweenStoreAndAnnotate.includes(d));
  if (unexplained.length > 0) reasons.push(`duplicate layers not explained by a kill between store and annotate: ${unexplained.join(", ")}`);
  if (row.maxTakeoverS !== undefined && row.takeoverBoundS !== undefined && !(row.maxTakeoverS <= row.takeoverBoundS)) {
    reasons.push(`takeover ${showSeconds(row.maxTakeoverS)} > bound ${row.takeoverBoundS} s`);
  }
  if (row.maxDeletionBlockS !== undefined && row.deletionBoundS !== undefined && !(row.maxDeletionBlockS <= row.deletionBoundS)) {
    reasons.push(`deletion blocked ${showSeconds(row.maxDeletionBlockS)} > bound ${row.deletionBoundS} s`);
  }
  return reasons;
};

const seconds = (value: number | undefined, bound: number | undefined): string =>
  value === undefined ? "-" : `${showSeconds(value).replace(/ s$/, "")} (≤ ${bound ?? "?"})`;

/** The table the issue asks for, then the reasons for each failed row and the notes. */
export const renderTable = (rows: ReadonlyArray<ChaosRow>): string => {
  const header = ["scenario", "runs", "lost", "bad signatures", "finalizers left", "duplicate layers (store→annotate)", "max takeover s", "max deletion block s", "result"];
  const lines = rows.map((row) => [
    row.scenario,
    String(row.audit.runs),
    row.lostNotExpected === true ? "-" : String(row.audit.lost.length),
    String(row.audit.badSignatures.length),
    String(row.audit.finalizersLeft.length),
    `${row.audit.duplicateLayers.length} (${row.audit.duplicatesBetweenStoreAndAnnotate.length})`,
    seconds(row.maxTakeoverS, row.takeoverBoundS),
    seconds(row.maxDeletionBlockS, row.deletionBoundS),
    failures(row).length === 0 ? "PASS" : "FAIL",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  const out = [format(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(format)];
  for (const row of rows) {
    const reasons = failures(row);
    if (reasons.length === 0 && row.notes.length === 0) continue;
    out.push("", `${row.scenario}:`);
    for (const reason of reasons) out.push(`  FAIL ${reason}`);
    for (const note of row.notes) out.push(`  note: ${note}`);
  }
  return out.join("\n");
};
