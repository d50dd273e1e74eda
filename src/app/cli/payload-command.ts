import { payloadAnnotation } from "../../domain/annotations/chains-annotations.ts";
import { storedArtifactCommand } from "./stored-run-artifact.ts";

export const payloadCommand = storedArtifactCommand({
  name: "payload",
  annotation: payloadAnnotation,
  summary: "Print the provenance payload Chains stored on a run in the cluster, like 'tkn chain payload'",
  description: `Prints the payload Tekton Chains stored on a TaskRun or PipelineRun in the cluster (the
'tekton' storage backend): the chains.tekton.dev/payload-<key> annotation, base64-decoded,
for the run's own provenance.

It does not check the signature ('tkn chain payload' does unless -S is given): run
'chains-ts verify --key k8s://tekton-chains/signing-secrets RUN' for that.`,
  ignoredSwitches: ["-S", "--skip-verify"],
});
