import { storedArtifactHelp, type StoredArtifactText } from "./stored-run-artifact-help.ts";

export const payloadText: StoredArtifactText = {
  name: "payload",
  summary: "print the provenance payload Chains stored on a run in the cluster, like 'tkn chain payload'",
  description: `Prints the payload Tekton Chains stored on a TaskRun or PipelineRun in the cluster (the
'tekton' storage backend): the chains.tekton.dev/payload-<key> annotation, base64-decoded,
for the run's own provenance.

It does not check the signature ('tkn chain payload' does unless -S is given): run
'chains-ts verify --key k8s://tekton-chains/signing-secrets RUN' for that.`,
  ignoredSwitches: ["-S", "--skip-verify"],
};

/** `chains-ts payload`: its listing line and help, apart from its code so that showing them loads none of it. */
export const payloadHelp = storedArtifactHelp(payloadText);
