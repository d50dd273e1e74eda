import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/**
 * This replica's holder identity in the Leases. It is unique per process, so a restarted pod with
 * the same name is a new candidate rather than a holder that missed its renewals.
 */
export const replicaIdentity = (env: NodeJS.ProcessEnv): string => `${env["POD_NAME"] ?? hostname()}_${randomUUID()}`;
