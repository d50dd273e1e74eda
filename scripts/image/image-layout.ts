/**
 * Where things live in the chains-ts image, and how it starts. deploy/Dockerfile builds the same
 * layout on distroless (test/deploy/image-config.test.ts compares them), so both images run alike
 * under the Deployment in deploy/.
 */
import { bundleEntry } from "../bundle/bundle-paths.ts";

export const nodePath = "/nodejs/bin/node";
export const appDir = "/app";
/** distroless' `nonroot`, which the Deployment's securityContext requires. */
export const nonrootId = 65532;
export const nonrootHome = "/home/nonroot";
export const caCertificatesPath = "/etc/ssl/certs/ca-certificates.crt";

/** As bin/chains-ts runs the compiled CLI, minus the wrapper script (there is no shell in the image). */
export const entrypoint: ReadonlyArray<string> = [
  nodePath,
  "--disable-warning=ExperimentalWarning",
  // As bin/chains-ts: V8's heap sized for throughput held memory the controller did not need.
  "--optimize-for-size",
  `${appDir}/${bundleEntry}`,
  "controller",
];

export const environment: ReadonlyArray<string> = [
  "PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin",
  "NODE_ENV=production",
  `SSL_CERT_FILE=${caCertificatesPath}`,
  "MALLOC_ARENA_MAX=2",
];

export const platform = { os: "linux", architecture: "amd64" } as const;
