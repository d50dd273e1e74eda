import { classifyStoredSignature } from "../../domain/dsse/stored-signature.ts";
import type { RunJson } from "../../adapters/memory/run-json.ts";
import { CHAINS_PREFIX } from "../../domain/annotations/chains-annotations.ts";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import type { LifecycleSnapshot } from "./lifecycle-stepper.ts";
import { describePlanned, describeSigned } from "./step-report.ts";

/** Long values (base64 payloads, envelopes) are cut so a listing stays readable. */
const VALUE_WIDTH = 72;

const clip = (value: string): string =>
  value === "" ? '""' : value.length <= VALUE_WIDTH ? value : `${value.slice(0, VALUE_WIDTH)}… (${value.length} chars)`;

const none = (what: string, hint: string): Array<string> => [`no ${what} yet: ${hint}`];

/** The pass's payloads exactly as they are signed, one artifact after another. */
export const payloadLines = (snapshot: LifecycleSnapshot | undefined): Array<string> => {
  const plan = snapshot?.context.plan;
  if (plan === undefined) return none("payload", "'step' until the snapshot is taken (pending → snapshotted)");
  if (plan.artifacts.length === 0) return ["the pass has nothing to sign (every artifact type is disabled)"];
  return plan.artifacts.flatMap((artifact) => [`# ${describePlanned(artifact)}`, artifact.payload]);
};

/** Each signed artifact's signature as storage receives it: DSSE envelope JSON or armored PGP as text, else base64. */
export const envelopeLines = (snapshot: LifecycleSnapshot | undefined): Array<string> => {
  const signed = Object.values(snapshot?.context.signed ?? {});
  if (signed.length === 0) return none("signature", "'step' until the pass signs (snapshotted → signed)");
  return signed.flatMap((artifact) => [
    `# ${describeSigned(artifact)}`,
    ["Envelope", "Pgp"].includes(classifyStoredSignature(artifact.signature)._tag)
      ? Buffer.from(artifact.signature).toString("utf8")
      : Buffer.from(artifact.signature).toString("base64"),
  ]);
};

export const annotationLines = (run: RunJson | undefined, snapshot: LifecycleSnapshot | undefined): Array<string> => {
  const onRun = Object.entries(run?.metadata.annotations ?? {})
    .filter(([key]) => key.startsWith(CHAINS_PREFIX))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const lines = ["on the run (cluster):", ...(onRun.length === 0 ? ["  (no chains.tekton.dev annotations)"] : onRun.map(([k, v]) => `  ${k}: ${clip(v)}`))];
  lines.push(`finalizers: ${(run?.metadata.finalizers ?? []).join(", ") || "(none)"}`);
  const pending = Object.entries(snapshot?.context.annotations ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (snapshot !== undefined && snapshot.status === "active")
    lines.push(
      "to be written with chains.tekton.dev/signed=true:",
      ...(pending.length === 0 ? ["  (none yet)"] : pending.map(([k, v]) => `  ${k}: ${clip(v)}`)),
    );
  return lines;
};

/** What the pass stored so far, by (artifact, backend), plus what the in-memory backends hold. */
export const storeLines = (snapshot: LifecycleSnapshot | undefined, held: ReadonlyArray<string>): Array<string> => [
  "stored by this pass (artifact@backend):",
  ...((snapshot?.context.stored ?? []).length === 0 ? ["  (nothing yet)"] : (snapshot?.context.stored ?? []).map((key) => `  ${key}`)),
  "held by the in-memory backends (not rolled back by 'back'):",
  ...(held.length === 0 ? ["  (nothing)"] : held.map((line) => `  ${line}`)),
];

/** The config keys that decide what a pass does, as parsed (defaults filled in). */
export const configLines = (data: Readonly<Record<string, string>>, config: ChainsConfig): Array<string> => {
  const set = Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1));
  const artifact = (name: string, a: { format: string; storage: ReadonlyArray<string>; signer: string; enabled: boolean }) =>
    `  ${name}: ${a.enabled ? `format ${a.format}, signer ${a.signer}, storage ${a.storage.join(", ")}` : "disabled (storage \"\")"}`;
  return [
    set.length === 0 ? "chains-config: every key at its default" : "chains-config keys set:",
    ...set.map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`),
    "in effect:",
    artifact("taskrun", config.artifacts.taskrun),
    artifact("pipelinerun", config.artifacts.pipelinerun),
    artifact("oci", config.artifacts.oci),
    `  transparency: ${config.transparency.mode}${config.transparency.mode === "off" ? "" : ` (${config.transparency.url})`}`,
  ];
};
