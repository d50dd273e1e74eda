import { Result } from "effect";
import type { RunJson } from "../../adapters/memory/run-json.ts";
import { SIGNED_ANNOTATION } from "../../domain/annotations/chains-annotations.ts";
import { signingStateOf } from "../../domain/annotations/signing-state.ts";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import { isDone } from "../../domain/run/run-completion.ts";
import { decodeRunObject, type RunObject } from "../../domain/run/run-object.ts";
import { isProcessed } from "../controller/run-filters.ts";

export type Eligibility =
  | { readonly _tag: "Eligible"; readonly run: RunObject; readonly failedPasses: number }
  | { readonly _tag: "NotEligible"; readonly why: string };

/**
 * Whether the controller would start a signing pass for this run, and if not, why not: the
 * same checks it makes on a watch event (decodable, processed, completed, not yet terminal).
 */
export const eligibility = (json: RunJson, config: ChainsConfig): Eligibility => {
  const decoded = decodeRunObject(json);
  if (Result.isFailure(decoded))
    return { _tag: "NotEligible", why: `the controller ignores it: it does not decode as a run: ${decoded.failure.reason}` };
  const run = decoded.success;
  if (!isProcessed(run, [], config))
    return {
      _tag: "NotEligible",
      why: `spec.managedBy is ${JSON.stringify(run.spec?.managedBy)}: only runs managed by tekton.dev/pipeline or by a manager listed in filter.managed-by are signed`,
    };
  if (!isDone(run)) {
    const succeeded = run.status?.conditions?.find((c) => c.type === "Succeeded");
    return {
      _tag: "NotEligible",
      why: `it has not completed (Succeeded condition: ${succeeded?.status ?? "none"}): Chains signs a run once it completes ('complete' marks it completed)`,
    };
  }
  const state = signingStateOf(run.metadata.annotations);
  if (state._tag === "Signed")
    return { _tag: "NotEligible", why: `it is already signed (${SIGNED_ANNOTATION}=true): nothing more to do` };
  if (state._tag === "Failed")
    return { _tag: "NotEligible", why: `signing it already failed for good (${SIGNED_ANNOTATION}=failed): it is not retried` };
  return { _tag: "Eligible", run, failedPasses: state.failedPasses };
};
