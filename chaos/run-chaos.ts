/**
 * `npm run chaos`: the real `chains-ts controller` against the loopback API emulator, killed and
 * disturbed; prints a table of the figures and exits 1 when any row fails (issue 13).
 */
import { opensslUnavailable } from "../test/oci-storage/oci-fixtures.ts";
import { registryUnavailable } from "../test/support/oci-registry.ts";
import { apiFaults } from "./api-faults.ts";
import { chaosHelp, type ChaosParameters, parseChaosParameters } from "./chaos-parameters.ts";
import { type ChaosRow, failures, renderTable } from "./chaos-row.ts";
import { ChaosWorld } from "./chaos-world.ts";
import { deletions } from "./deletions.ts";
import { leaderKills } from "./leader-kills.ts";
import { lifecycleKills } from "./lifecycle-kills.ts";
import type { RunAudit } from "./run-audit.ts";

const emptyAudit: RunAudit = { runs: 0, lost: [], badSignatures: [], finalizersLeft: [], duplicateLayers: [], duplicatesBetweenStoreAndAnnotate: [] };

type Scenario = (world: ChaosWorld, params: ChaosParameters) => Promise<ReadonlyArray<ChaosRow>>;

const scenarios: Readonly<Record<string, Scenario>> = {
  lifecycle: lifecycleKills,
  faults: apiFaults,
  leader: leaderKills,
  deletions,
};

const main = async (): Promise<number> => {
  let params: ChaosParameters | "help";
  try {
    params = parseChaosParameters(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n\n${chaosHelp}\n`);
    return 2;
  }
  if (params === "help") {
    process.stdout.write(`${chaosHelp}\n`);
    return 0;
  }
  // The suite measures with real parts or not at all: a missing one is a failure, never a skip.
  let missing: string | undefined;
  try {
    missing = registryUnavailable() ?? opensslUnavailable();
  } catch (error) {
    // With CI=true these throw instead of answering.
    missing = error instanceof Error ? error.message : String(error);
  }
  if (missing !== undefined) {
    process.stderr.write(`chaos: cannot run: ${missing}\n`);
    return 1;
  }
  const le = params.leaderElection;
  process.stdout.write(
    `chaos (${params.size}): leader election lease ${le["lease-duration"]} / renew ${le["renew-deadline"]} / retry ${le["retry-period"]}; ` +
      `takeover bound ${params.takeoverBoundS} s, deletion bound ${params.deletionBoundS} s, API fault rate ${params.faultRate}\n`,
  );
  const rows: Array<ChaosRow> = [];
  for (const name of params.only) {
    const started = Date.now();
    process.stdout.write(`${name}: running…\n`);
    let world: ChaosWorld | undefined;
    try {
      world = await ChaosWorld.start({ leaderElection: params.leaderElection });
      rows.push(...(await scenarios[name]!(world, params)));
    } catch (error) {
      rows.push({ scenario: name, audit: emptyAudit, error: error instanceof Error ? (error.stack ?? error.message) : String(error), notes: [] });
    } finally {
      await world?.stop();
    }
    process.stdout.write(`${name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
  process.stdout.write(`\n${renderTable(rows)}\n`);
  return rows.every((row) => failures(row).length === 0) ? 0 : 1;
};

process.exitCode = await main();
