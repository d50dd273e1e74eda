import type { CommandHelp } from "./command.ts";

/** `chains-ts provenance`: its listing line and help, apart from its code so that showing them loads none of it. */
export const provenanceHelp: CommandHelp = {
  name: "provenance",
  summary: "print the provenance payload Chains would sign for a run file (offline)",
  help: `Usage: chains-ts provenance [--config FILE] [--format NAME] [--kind KIND] [--taskrun FILE]... RUN-FILE

Prints, offline, the payload Tekton Chains would sign for a finished run: the in-toto
statement (SLSA provenance) for a TaskRun or PipelineRun, or the cosign simple-signing
payload for an image. Nothing is signed or stored.

RUN-FILE is a finished TaskRun or PipelineRun (tekton.dev/v1 or v1beta1) as JSON or YAML
(e.g. 'kubectl get taskrun X -o yaml'), or an object {"image": "<name>@sha256:<hex>"} to print
that image's simple-signing payload. A run with an apiVersion but no status is refused; one
whose Succeeded condition is still Unknown gets its payload and a warning.

Options:
  --config FILE    chains-config as JSON or YAML: a flat map of configmap keys to string
                   values, or a ConfigMap manifest (its 'data' is used). Missing keys take
                   the Chains defaults. Keys read here: artifacts.taskrun.format,
                   artifacts.pipelinerun.format, artifacts.pipelinerun.enable-deep-inspection,
                   artifacts.oci.format, builder.id, builddefinition.buildtype.
  --format NAME    Use this format instead of the configured one for the run's kind:
                   in-toto, slsa/v1, slsa/v2alpha3, slsa/v2alpha4, tekton (deprecated:
                   the run's status), or simplesigning (one payload per image the TaskRun's
                   results declare, one per line).
  --kind KIND      TaskRun or PipelineRun, when RUN-FILE has no 'kind' field. Otherwise the
                   kind is inferred from the run's fields, then from --taskrun, then from
                   which of artifacts.taskrun.format / artifacts.pipelinerun.format the
                   config sets; TaskRun if still undecided.
  --taskrun FILE   A child TaskRun of the PipelineRun (JSON or YAML); repeat for each, in
                   status.childReferences order. A child belongs to the pipeline task named
                   by its label tekton.dev/pipelineTask; children without
                   status.completionTime are skipped.
  -h, --help       Show this help.

Output: the payload bytes exactly as signed, on stdout, with no trailing newline.
Warnings (dropped type hints, skipped images, deprecated format) go to stderr.
Exit status: 0 on success, 1 when the payload cannot be made, 2 on a usage or input error
(an empty or malformed file, not a run object, an unsupported apiVersion, an unfinished run).`,
};
