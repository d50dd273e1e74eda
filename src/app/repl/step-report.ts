import { classifyStoredSignature } from "../../domain/dsse/stored-signature.ts";
import type { PlannedArtifact, SignedArtifact } from "../../domain/signing-pass/signing-artifacts.ts";
import { runKey } from "../../domain/run/run-ref.ts";
import type { StepCause, Transition } from "./lifecycle-stepper.ts";
import type { FinishedCall } from "./finished-call.ts";

/** Tagged errors carry their cause in `reason` and often have no message. */
const describeError = (error: unknown): string => {
  if (error instanceof Error && error.message !== "") return error.message;
  if (typeof error === "object" && error !== null) {
    const { _tag, reason } = error as { readonly _tag?: unknown; readonly reason?: unknown };
    if (typeof reason === "string") return `${typeof _tag === "string" ? `${_tag}: ` : ""}${reason}`;
  }
  return String(error);
};

/** PGP keys sign the payload itself, never DSSE (sign-artifact.ts). */
const throughDsse = (artifact: PlannedArtifact): boolean => artifact.dsse && artifact.signer !== "pgp";

export const describePlanned = (artifact: PlannedArtifact): string =>
  `${artifact.id}: ${artifact.format}${throughDsse(artifact) ? " in a DSSE envelope" : ""}, signer ${artifact.signer}, storage ${
    artifact.storage.length === 0 ? "none" : artifact.storage.join(", ")
  }`;

export const describeSigned = (artifact: SignedArtifact): string => {
  const size = `${artifact.signature.length} bytes`;
  const keyId = `keyid ${artifact.keyId || "(none)"}`;
  const stored = classifyStoredSignature(artifact.signature);
  const how =
    stored._tag === "Unsigned"
      ? "not signed (signer none): stored as is"
      : stored._tag === "Pgp"
        ? `PGP signature over the payload (${size}, ASCII-armored; check it with gpg --verify)`
        : stored._tag === "Envelope"
          ? `DSSE envelope (${size}), ${keyId}`
          : `raw signature (${size}), ${keyId}`;
  return `${artifact.id}: ${how}${artifact.transparencyEntry === undefined ? "" : `, logged at ${artifact.transparencyEntry.url}`}`;
};

interface Described {
  readonly headline: string;
  readonly details: ReadonlyArray<string>;
}

/** The headline and details of one settled step call. */
const describeCall = (call: FinishedCall): Described => {
  if (call.result._tag === "Rejected")
    return {
      headline: `${call.step} rejected: ${describeError(call.result.error)}`,
      details: call.step === "recordFailure" ? ["the retry counter could not be written: this pass is not counted"] : [],
    };
  if (call.step === "snapshot" && call.result._tag === "Returned") {
    const outcome = call.result.outcome;
    if (outcome._tag === "WaitingForChildren")
      return { headline: `snapshot: waiting for child TaskRuns: ${outcome.waitingFor.join(", ")}`, details: [] };
    if (outcome._tag === "NothingToDo") return { headline: `snapshot: nothing to do: ${outcome.reason}`, details: [] };
    if (outcome._tag === "Failed") return { headline: `snapshot failed: ${outcome.reason}`, details: [] };
    const { plan } = outcome;
    return {
      headline: `snapshot: ${plan.artifacts.length} artifact(s) to sign`,
      details: [
        ...plan.artifacts.map(describePlanned),
        ...(plan.uploadToTransparencyLog ? ["each signature will be uploaded to the transparency log"] : []),
        ...plan.warnings.map((w) => `warning: ${w}`),
        ...(plan.missingChildren.length > 0 ? [`signing without missing child TaskRuns: ${plan.missingChildren.join(", ")}`] : []),
      ],
    };
  }
  if (call.step === "sign" && call.result._tag === "Returned") {
    const outcome = call.result.outcome;
    const fresh = Object.values(outcome.signed).filter((a) => call.input.signed[a.id] === undefined);
    const details = fresh.map(describeSigned);
    if (outcome._tag === "Failed") return { headline: `sign failed: ${outcome.reason}`, details };
    const uploadFailure =
      outcome.uploadFailure === undefined ? [] : [`stored without a bundle, then the pass fails and retries the upload: ${outcome.uploadFailure}`];
    return { headline: `sign: ${fresh.length} artifact(s) signed`, details: [...details, ...uploadFailure] };
  }
  if (call.step === "store" && call.result._tag === "Returned") {
    const outcome = call.result.outcome;
    const fresh = outcome.stored.filter((key) => !call.input.stored.includes(key));
    const details = [
      ...fresh.map((key) => `stored ${key}`),
      `annotations to write with signed=true: ${Object.keys(outcome.annotations).length}`,
    ];
    return outcome.failure === undefined
      ? { headline: `store: ${fresh.length} write(s) done`, details }
      : { headline: `store failed: ${outcome.failure}`, details };
  }
  if (call.step === "annotate" && call.result._tag === "Returned") {
    const outcome = call.result.outcome;
    if (outcome._tag === "Done") return { headline: "annotate: the run is marked signed", details: [] };
    return { headline: `annotate: ${outcome._tag === "Gone" ? "nothing to mark" : "failed"}: ${outcome.reason}`, details: [] };
  }
  if (call.step === "recordFailure" && call.result._tag === "Returned") {
    const outcome = call.result.outcome;
    if (outcome._tag === "Gone") return { headline: `recordFailure: ${outcome.reason}`, details: [] };
    const details = [`reason: ${call.input.reason}`];
    return outcome.exhausted
      ? { headline: "recordFailure: retry budget spent, the run is marked signed=failed", details }
      : { headline: `recordFailure: failed pass ${call.input.failedPasses + 1} recorded, will retry`, details };
  }
  return { headline: `${call.step} settled`, details: [] };
};

const describeCause = (cause: StepCause): Described => {
  switch (cause._tag) {
    case "Started":
      return {
        headline: `actor started for ${runKey(cause.input.ref)}`,
        details: [`uid ${cause.input.uid}, failed passes so far: ${cause.input.observation.failedPasses}`],
      };
    case "Resumed":
      return { headline: "RESUME: a worker is free; the pass resumes at the step that is due", details: [] };
    case "ChildrenChanged":
      return { headline: "CHILDREN_CHANGED: a child TaskRun changed; the snapshot is taken again", details: [] };
    case "TimerElapsed": {
      const waited = cause.delayMs === undefined ? "simulated" : `${cause.delayMs} ms, simulated`;
      return cause.state === "retrying"
        ? { headline: `retry delay elapsed (${waited})`, details: [] }
        : { headline: `child wait elapsed (${waited}): signing without the children still missing`, details: [] };
    }
    case "StepSettled":
      return describeCall(cause.call);
  }
};

const describeEnd = (transition: Transition): Array<string> => {
  if (transition.snapshot.status === "active") return [];
  const reason = transition.snapshot.context.lastError;
  switch (transition.to) {
    case "annotated":
      return ["final: annotated (chains.tekton.dev/signed=true)"];
    case "failed":
      return [`final: failed (chains.tekton.dev/signed=failed)${reason === undefined ? "" : `: ${reason}`}`];
    default:
      return [`final: ${transition.to}${reason === undefined ? "" : `: ${reason}`}`];
  }
};

/**
 * The lines one transition prints: `FROM → TO  what happened`, then details, the effects the
 * adapters recorded, and the outcome once the actor is done.
 */
export const describeTransition = (transition: Transition, effects: ReadonlyArray<string>): Array<string> => {
  const { headline, details } = describeCause(transition.cause);
  return [
    `${transition.from ?? "(new)"} → ${transition.to}  ${headline}`,
    ...[...details, ...effects, ...describeEnd(transition)].map((line) => `  ${line}`),
  ];
};
