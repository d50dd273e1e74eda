/**
 * A URL on the GCE/GKE metadata server. `GCE_METADATA_HOST` (host[:port]) replaces
 * `metadata.google.internal`, as in Google's own client libraries.
 */
export const gceMetadataUrl = (env: Readonly<Record<string, string | undefined>>, path: string): string =>
  `http://${env["GCE_METADATA_HOST"] || "metadata.google.internal"}/computeMetadata/v1/${path}`;

/** Sent on every metadata request; the server refuses requests without it. */
export const metadataFlavorHeader = { "Metadata-Flavor": "Google" } as const;
