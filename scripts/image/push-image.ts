import { Effect } from "effect";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import type { Keychain } from "../../src/domain/oci/registry-credential.ts";
import type { OciDigest } from "../../src/domain/oci/oci-digest.ts";
import type { OciRegistryError } from "../../src/ports/oci-registry.ts";
import type { OciImage } from "./oci-image.ts";
import type { PushTarget } from "./push-target.ts";

/**
 * Pushes the blobs (each skipped when the registry has it), then the manifest by digest and, when
 * a tag is given, by tag. Loopback and private-network registries are spoken to over plain HTTP
 * as the project's OCI client does; `insecure` forces it for any registry.
 */
export const pushImage = (
  image: OciImage,
  target: PushTarget,
  options: { readonly keychain: Keychain; readonly insecure: boolean },
): Effect.Effect<OciDigest, OciRegistryError> =>
  Effect.gen(function* () {
    const session = distributionSession({ insecure: options.insecure, keychain: options.keychain, userAgent: "chains-ts-image" });
    for (const blob of image.blobs) yield* session.uploadBlob(target, blob);
    const digest = yield* session.putManifest(target, image.manifest.digest, image.manifest);
    if (target.tag !== undefined) yield* session.putManifest(target, target.tag, image.manifest);
    return digest;
  });
