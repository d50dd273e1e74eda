import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/**
 * This replica's holder identity in the Leases. In a pod it is `POD_NAME` (with `POD_UID` when set),
 * the same for every container restart, so a restarted process finds its own name on the Leases and
 * takes them back at once instead of waiting out its dead predecessor's lease (Kubernetes never runs
 * two containers of one pod's controller at once). Without `POD_NAME` nothing says that another
 * process with our host name is dead, so each process gets a name of its own (as knative's
 * `<pod>_<uuid>`), and a restart waits for the lease to run out.
 */
export const replicaIdentity = (env: NodeJS.ProcessEnv): string => {
  const pod = env["POD_NAME"] ?? "";
  if (pod === "") return `${hostname()}_${randomUUID()}`;
  const uid = env["POD_UID"] ?? "";
  return uid === "" ? pod : `${pod}_${uid}`;
};
