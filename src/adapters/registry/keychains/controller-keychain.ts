import { firstOf, type Keychain } from "../../../domain/oci/registry-credential.ts";
import type { AdapterLog } from "../../kubernetes/adapter-log.ts";
import { dockerConfigFileKeychain } from "./docker-config-file-keychain.ts";
import { gceMetadataKeychain } from "./gce-metadata-keychain.ts";

/**
 * The controller's own registry credentials (storage.md §5 step 3), tried after the run's
 * ServiceAccount: its docker config (`auths`, and credential helpers such as the ECR, ACR and
 * gcloud ones), then the GCE/GKE metadata server for Google registries. `env` is read once, here.
 */
export const controllerKeychain = (options: { readonly env: NodeJS.ProcessEnv; readonly log: AdapterLog }): Keychain =>
  firstOf([dockerConfigFileKeychain(options), gceMetadataKeychain(options)]);
