import type { CommandHelp } from "./command.ts";

/** What `chains-ts payload` / `chains-ts signature` say about themselves, apart from their code. */
export interface StoredArtifactText {
  /** The subcommand, and the word used in messages: `payload` or `signature`. */
  readonly name: "payload" | "signature";
  readonly summary: string;
  /** Help text paragraphs specific to this command (after the shared usage line). */
  readonly description: string;
  /** Flags accepted for `tkn chain` compatibility that change nothing here. */
  readonly ignoredSwitches: ReadonlyArray<string>;
}

const helpText = (artifact: StoredArtifactText): string => `Usage: chains-ts ${artifact.name} RUN [-n NAMESPACE] [--kubeconfig PATH] [--chains-namespace NS]

${artifact.description}

RUN is taskrun/NAME or pipelinerun/NAME (also taskruns/, tr/, pipelineruns/, pr/); a bare NAME
is a TaskRun, as 'tkn chain' reads it. The run's own key is taskrun-<uid> or pipelinerun-<uid>.

Output: the decoded bytes exactly, with nothing added (pipe them to a file or a verifier).
'tkn chain ${artifact.name}' prints the same bytes followed by a newline${artifact.name === "signature" ? ", wrapped in [ ]" : ""}.

When the run carries no such annotation, one line on stderr says why: not signed yet, signing
failed, or the configured artifacts.taskrun.storage / artifacts.pipelinerun.storage (read from
the chains-config ConfigMap in --chains-namespace) keeps it elsewhere, and where to look
(e.g. the OCI registry). Unlike 'tkn chain', it does not fetch from those other backends.

Options:
  -n, --namespace NS       the run's namespace (default: the kubeconfig context's, else default)
  --kubeconfig PATH        the cluster (default: $KUBECONFIG, the pod's service account, or
                           ~/.kube/config)
  --chains-namespace NS    where chains-config lives (default: $SYSTEM_NAMESPACE, else
                           tekton-chains)
${artifact.ignoredSwitches.length === 0 ? "" : `  ${artifact.ignoredSwitches.join(", ")}`.padEnd(27) + "accepted for 'tkn chain' compatibility; changes nothing\n"}  -h, --help               Show this help.

Exit status: 0 when printed; 1 when the run, the annotation or the cluster is missing;
2 on a usage error.`;

/** The listing line and help of `chains-ts payload` or `chains-ts signature`. */
export const storedArtifactHelp = (artifact: StoredArtifactText): CommandHelp => ({
  name: artifact.name,
  summary: artifact.summary,
  help: helpText(artifact),
});
