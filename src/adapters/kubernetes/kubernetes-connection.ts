import { Context } from "effect";
import type { KubernetesCluster } from "./kubernetes-cluster.ts";

/**
 * The connection to the API server: discovery done, config watches running, for as long as the
 * scope that acquired it is open (`KubernetesCluster.scoped`).
 */
export class KubernetesConnection extends Context.Service<KubernetesConnection, KubernetesCluster>()("chains-ts/KubernetesConnection") {}
