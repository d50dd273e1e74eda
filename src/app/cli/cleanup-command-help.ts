import { CHAINS_FINALIZERS } from "../../domain/annotations/chains-annotations.ts";
import type { CommandHelp } from "./command.ts";

const help = `Usage: chains-ts cleanup [-n NAMESPACE | --all-namespaces] [--dry-run] [--kubeconfig PATH]

Removes the finalizers Chains left on TaskRuns and PipelineRuns, for uninstalling: a run that
still carries one once no Chains controller runs can never be deleted. Removes exactly
${CHAINS_FINALIZERS.join(", ")} (the last one from older releases); every
other finalizer stays. Scale the controller to 0 first, or it puts them back on runs it has not
signed yet.

Each run is changed with a JSON Patch that first tests each finalizer is still at the index it was
read at, so a concurrent change to the list is never overwritten: such a run is read again and
retried.

Options:
  -n, --namespace NS   only runs in this namespace (default: all namespaces)
  -A, --all-namespaces runs in every namespace (the default)
  --dry-run            print what would be removed, change nothing
  --kubeconfig PATH    the cluster (default: $KUBECONFIG, the pod's service account, or
                       ~/.kube/config)
  -h, --help           Show this help.

Output: one line per run changed ('removed FINALIZER[,…] from KIND NAMESPACE/NAME', or 'would
remove' with --dry-run), then a count.
Exit status: 0 when every Chains finalizer is gone (or would be); 1 when the cluster could not
be read or a run could not be changed; 2 on a usage error.`;

/** `chains-ts cleanup`: its listing line and help, apart from its code so that showing them loads none of it. */
export const cleanupHelp: CommandHelp = {
  name: "cleanup",
  summary: "remove the finalizers Chains left on runs, for uninstalling",
  help,
};
