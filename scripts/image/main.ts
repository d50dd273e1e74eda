// npm run image -- [--push REGISTRY/REPO[:TAG]] [--output DIR] [--release] [--insecure]
//
// Builds the chains-ts controller image without a container daemon, as ko and jib do, and pushes
// it with the project's own OCI client. See "Install in a cluster" in README.md.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Effect } from "effect";
import { dockerConfigFileKeychain } from "../../src/adapters/registry-keychains/docker-config-file-keychain.ts";
import { appLayerEntries } from "./app-layer.ts";
import { buildEpoch } from "./build-epoch.ts";
import { ociImage } from "./oci-image.ts";
import { writeOciLayout } from "./oci-layout-directory.ts";
import { pushImage } from "./push-image.ts";
import { parsePushTarget } from "./push-target.ts";
import { setReleaseImage } from "./release-image.ts";
import { runtimeLayerEntries } from "./runtime-layer.ts";
import { tarLayer } from "./tar-layer.ts";

const usage = `Usage: npm run image -- [--push REGISTRY/REPO[:TAG]] [--output DIR] [--release] [--insecure]

Builds the chains-ts controller image (linux/amd64, user 65532, entrypoint 'chains-ts controller')
from this checkout: the pinned Node 24 (node_modules/node) with the shared libraries it links
against, the CA certificates, src/ and the production dependencies. No container daemon is used.
The same checkout on the same machine gives the same digest (set SOURCE_DATE_EPOCH to change the
files' fixed time, 1970-01-01 by default).

  --push REF     push to REF with the docker config's credentials ($DOCKER_CONFIG/config.json);
                 prints REGISTRY/REPO@sha256:...
  --output DIR   write an OCI image layout to DIR (read it with skopeo as oci:DIR:latest);
                 prints the manifest digest
  --release      with --push: point deploy/kustomization.yaml and deploy/release.yaml at the
                 pushed image by digest
  --insecure     plain HTTP to the registry (loopback and private addresses use it anyway)`;

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      push: { type: "string" },
      output: { type: "string" },
      release: { type: "boolean", default: false },
      insecure: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if ((values.push === undefined && values.output === undefined) || (values.release && values.push === undefined)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const target = values.push === undefined ? undefined : parsePushTarget(values.push);
  if (typeof target === "string") {
    process.stderr.write(`chains-ts image: ${target}\n`);
    return 2;
  }

  const epoch = buildEpoch(process.env);
  const image = ociImage(
    [
      { createdBy: "chains-ts image: Node runtime, shared libraries, CA certificates, accounts", tar: await tarLayer(runtimeLayerEntries(join(projectRoot, "node_modules", "node", "bin", "node")), epoch) },
      { createdBy: "chains-ts image: /app (package.json, src/, production node_modules)", tar: await tarLayer(appLayerEntries(projectRoot), epoch) },
    ],
    epoch,
  );

  if (values.output !== undefined) {
    writeOciLayout(values.output, image, target?.tag ?? "latest");
    process.stdout.write(`${image.manifest.digest}\n`);
  }
  if (target !== undefined) {
    const log = (level: string, message: string) => process.stderr.write(`chains-ts image: ${level}: ${message}\n`);
    const digest = await Effect.runPromise(
      pushImage(image, target, { keychain: dockerConfigFileKeychain({ env: process.env, log }), insecure: values.insecure }),
    );
    const repository = `${target.registry}/${target.repository}`;
    process.stdout.write(`${repository}@${digest}\n`);
    if (values.release) setReleaseImage(join(projectRoot, "deploy"), repository, digest);
  }
  return 0;
};

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`chains-ts image: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
