import type { Effect } from "effect";
import type { Clock } from "../../../ports/clock.ts";
import type { SigstoreTrustedRoot, TrustedRootUnavailable } from "../../../ports/sigstore-trust.ts";

/** What the keyless signer needs besides chains-config: time, trust and where tokens come from. */
export interface KeylessContext {
  /** The controller's clock: token expiry, certificate validity and renewal are judged by it. */
  readonly clock: Clock["Service"];
  /** The Fulcio CAs and CT log keys an issued certificate is checked against. */
  readonly trustedRoot: Effect.Effect<SigstoreTrustedRoot, TrustedRootUnavailable>;
  /** The environment token providers read (SIGSTORE_ID_TOKEN, ACTIONS_ID_TOKEN_REQUEST_URL, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The `filesystem` provider's token file; default `FILESYSTEM_TOKEN_PATH`. */
  readonly filesystemTokenPath?: string;
  /** The DMI product name file that says whether this machine is a GCE VM; default `GCE_PRODUCT_NAME_PATH`. */
  readonly gceProductNamePath?: string;
}

/** Where the Deployment's projected ServiceAccount token (audience `sigstore`) is mounted. */
export const FILESYSTEM_TOKEN_PATH = "/var/run/sigstore/cosign/oidc-token";

/** Linux's DMI product name; "Google Compute Engine" on GCE and GKE nodes. */
export const GCE_PRODUCT_NAME_PATH = "/sys/class/dmi/id/product_name";

