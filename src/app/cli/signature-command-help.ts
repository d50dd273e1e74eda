import { storedArtifactHelp, type StoredArtifactText } from "./stored-run-artifact-help.ts";

export const signatureText: StoredArtifactText = {
  name: "signature",
  summary: "print the signature Chains stored on a run in the cluster, like 'tkn chain signature'",
  description: `Prints the signature Tekton Chains stored on a TaskRun or PipelineRun in the cluster (the
'tekton' storage backend): the chains.tekton.dev/signature-<key> annotation, base64-decoded,
for the run's own provenance. For in-toto and SLSA formats that is a DSSE envelope (JSON).`,
  ignoredSwitches: [],
};

/** `chains-ts signature`: its listing line and help, apart from its code so that showing them loads none of it. */
export const signatureHelp = storedArtifactHelp(signatureText);
