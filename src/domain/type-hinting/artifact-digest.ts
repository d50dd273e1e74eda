/** The generic digest check of ARTIFACT_URI/DIGEST, ARTIFACT_OUTPUTS and ARTIFACT_INPUTS. */
const hexLengths: Readonly<Record<string, number>> = { sha1: 40, sha256: 64, sha384: 96, sha512: 128 };

export interface ArtifactDigest {
  /** Lowercased and trimmed. */
  readonly algorithm: string;
  /** Trimmed. */
  readonly hex: string;
}

export const checkArtifactDigest = (digest: string): ArtifactDigest | undefined => {
  const parts = digest.split(":");
  if (parts.length !== 2) return undefined;
  const algorithm = parts[0]!.trim().toLowerCase();
  const hex = parts[1]!.trim();
  const length = Object.hasOwn(hexLengths, algorithm) ? hexLengths[algorithm] : undefined;
  if (length === undefined || hex.length !== length || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm, hex };
};

/** The digest as written, split on its one `:` (algorithm not lowercased): how subjects carry it. */
export const splitDigestAsWritten = (digest: string): readonly [string, string] | undefined => {
  const parts = digest.split(":");
  return parts.length === 2 ? [parts[0]!, parts[1]!] : undefined;
};
