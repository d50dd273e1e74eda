import { homedir } from "node:os";
import { join } from "node:path";
import { trustedRootFile } from "../../adapters/sigstore-trust/trusted-root-file.ts";
import { tufTrustedRoot } from "../../adapters/sigstore-trust/tuf-trusted-root.ts";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import type { SigstoreTrust } from "../../ports/sigstore-trust.ts";

export interface TrustSourceInput {
  /** `--trusted-root FILE`, when given. */
  readonly flag: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly config: () => ChainsConfig;
}

/**
 * Where the Rekor and Fulcio keys come from: `--trusted-root FILE`, else `SIGSTORE_TRUSTED_ROOT`,
 * else the public-good TUF repository (or `signers.x509.tuf.mirror.url`) cached in `TUF_ROOT`,
 * as cosign does.
 */
export const sigstoreTrustSource = ({ flag, env, config }: TrustSourceInput): SigstoreTrust["Service"] => {
  if (flag !== undefined) return trustedRootFile(flag, "--trusted-root");
  const fromEnv = env["SIGSTORE_TRUSTED_ROOT"];
  if (fromEnv !== undefined && fromEnv !== "") return trustedRootFile(fromEnv, "SIGSTORE_TRUSTED_ROOT");
  return tufTrustedRoot({
    mirrorUrl: () => config().signers.x509.tufMirrorUrl,
    cacheDir: env["TUF_ROOT"] ?? join(homedir(), ".sigstore", "root"),
  });
};
