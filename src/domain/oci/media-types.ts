/** Media types of the OCI documents chains-ts reads and writes (storage.md §3–§4). */

export const ociManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
export const ociIndexMediaType = "application/vnd.oci.image.index.v1+json";
export const ociConfigMediaType = "application/vnd.oci.image.config.v1+json";
export const ociEmptyMediaType = "application/vnd.oci.empty.v1+json";
export const ociLayerGzipMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";

/** Used instead of the OCI types when `COSIGN_DOCKER_MEDIA_TYPES` is set. */
export const dockerManifestMediaType = "application/vnd.docker.distribution.manifest.v2+json";
export const dockerManifestListMediaType = "application/vnd.docker.distribution.manifest.list.v2+json";
export const dockerConfigMediaType = "application/vnd.docker.container.image.v1+json";

export const simpleSigningLayerMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
export const dsseEnvelopeLayerMediaType = "application/vnd.dsse.envelope.v1+json";
export const sigstoreBundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json";

/** Every manifest kind a registry may return for an image or a signature tag. */
export const manifestAcceptTypes: ReadonlyArray<string> = [
  ociManifestMediaType,
  ociIndexMediaType,
  dockerManifestMediaType,
  dockerManifestListMediaType,
];
