import { signatureAnnotation } from "../../domain/annotations/chains-annotations.ts";
import { storedArtifactCommand } from "./stored-run-artifact.ts";

export const signatureCommand = storedArtifactCommand({
  name: "signature",
  annotation: signatureAnnotation,
  summary: "Print the signature Chains stored on a run in the cluster, like 'tkn chain signature'",
  description: `Prints the signature Tekton Chains stored on a TaskRun or PipelineRun in the cluster (the
'tekton' storage backend): the chains.tekton.dev/signature-<key> annotation, base64-decoded,
for the run's own provenance. For in-toto and SLSA formats that is a DSSE envelope (JSON).`,
  ignoredSwitches: [],
});
