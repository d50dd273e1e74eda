// npm run image -- [--push REGISTRY/REPO[:TAG]] [--key FILE] [--output DIR] [--release] [--insecure]
//
// Builds the chains-ts controller image without a container daemon, as ko and jib do, and pushes
// it with the project's own OCI client. See "Install in a cluster" in README.md.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Effect, Logger, Result } from "effect";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import { dockerConfigFileKeychain } from "../../src/adapters/registry/keychains/docker-config-file-keychain.ts";
import { parseImageReference } from "../../src/domain/type-hinting/image-reference.ts";
import { appLayerEntries } from "./app-layer.ts";
import { buildEpoch } from "./build-epoch.ts";
import { imageBuildProvenance } from "./build-provenance.ts";
import { readBuildSource } from "./build-source.ts";
import { ociImage } from "./oci-image.ts";
import { writeOciLayout } from "./oci-layout-directory.ts";
import { pushImage } from "./push-image.ts";
import { parsePushTarget } from "./push-target.ts";
import { setReleaseImage } from "./release-image.ts";
import { releaseSigner } from "./release-key.ts";
import { runtimeLayerEntries } from "./runtime-layer.ts";
import { signRelease } from "./sign-release.ts";
import { tarLayer } from "./tar-layer.ts";

const usage = `Usage: npm run image -- [--push REGISTRY/REPO[:TAG]] [--key FILE] [--output DIR] [--release] [--insecure]

Builds the chains-ts controller image (linux/amd64, user 65532, entrypoint 'chains-ts controller')
from this checkout: the pinned Node 24 (node_modules/node) with the shared libraries it links
against, the CA certificates, the CLI compiled from src/ (as 'npm run bundle' does) and the
production dependencies. No container daemon is used.
The same checkout on the same machine gives the same digest (set SOURCE_DATE_EPOCH to change the
files' fixed time, 1970-01-01 by default).

  --push REF     push to REF with the docker config's credentials ($DOCKER_CONFIG/config.json);
                 prints REGISTRY/REPO@sha256:...
  --key FILE     with --push: sign the pushed image with this cosign key (cosign generate-key-pair)
                 as Tekton Chains signs a TaskRun's image: a simplesigning signature on
                 REPO:sha256-<hex>.sig and an SLSA v0.2 provenance of this build (commit,
                 package-lock.json, options) on REPO:sha256-<hex>.att; prints both references.
                 The password is $COSIGN_PASSWORD, else the file cosign.password beside the key
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
      key: { type: "string" },
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
  if (
    (values.push === undefined && values.output === undefined) ||
    ((values.release || values.key !== undefined) && values.push === undefined)
  ) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const target = values.push === undefined ? undefined : parsePushTarget(values.push);
  if (typeof target === "string") {
    process.stderr.write(`chains-ts image: ${target}\n`);
    return 2;
  }

  // The key and the checkout are checked before the build, so a wrong password costs no push.
  const signing =
    values.key === undefined
      ? undefined
      : {
          signer: await Effect.runPromise(Effect.mapError(releaseSigner(values.key, process.env), (m) => new Error(m))),
          source: readBuildSource(projectRoot),
          startedOn: new Date(),
        };

  const epoch = buildEpoch(process.env);
  const image = ociImage(
    [
      { createdBy: "chains-ts image: Node runtime, shared libraries, CA certificates, accounts", tar: await tarLayer(runtimeLayerEntries(join(projectRoot, "node_modules", "node", "bin", "node")), epoch) },
      { createdBy: "chains-ts image: /app (package.json, the CLI compiled to bundle/, production node_modules)", tar: await tarLayer(await appLayerEntries(projectRoot), epoch) },
    ],
    epoch,
  );

  if (values.output !== undefined) {
    writeOciLayout(values.output, image, target?.tag ?? "latest");
    process.stdout.write(`${image.manifest.digest}\n`);
  }
  if (target !== undefined) {
    const log = (level: string, message: string) => process.stderr.write(`chains-ts image: ${level}: ${message}\n`);
    const keychain = dockerConfigFileKeychain({ env: process.env, log });
    const digest = await Effect.runPromise(pushImage(image, target, { keychain, insecure: values.insecure }));
    const repository = `${target.registry}/${target.repository}`;
    process.stdout.write(`${repository}@${digest}\n`);
    if (signing !== undefined) {
      const pushed = parseImageReference(`${repository}@${digest}`);
      if (Result.isFailure(pushed)) throw new Error(pushed.failure.message);
      const signedImage = { repository: pushed.success.repository, digest };
      const { key: _key, help: _help, ...parameters } = values;
      const { source, startedOn } = signing;
      const provenance = imageBuildProvenance({ image: signedImage, source, parameters, epoch, startedOn, finishedOn: new Date() });
      const signatures = await Effect.runPromise(
        signRelease({
          image: signedImage,
          provenance,
          signer: signing.signer,
          registry: { session: (options) => distributionSession({ ...options, userAgent: "chains-ts-image" }) },
          keychain,
          insecure: values.insecure,
          env: { COSIGN_REPOSITORY: process.env["COSIGN_REPOSITORY"], COSIGN_DOCKER_MEDIA_TYPES: process.env["COSIGN_DOCKER_MEDIA_TYPES"] },
        }).pipe(
          Effect.mapError((e) => new Error(`signing ${repository}@${digest}: ${e.reason}`)),
          Effect.provide(Logger.layer([Logger.make(({ logLevel, message }) => log(logLevel.toLowerCase(), [message].flat().join(" ")))])),
        ),
      );
      process.stdout.write(`${signatures.sig}\n${signatures.att}\n`);
    }
    // Last, so deploy/ never points at an image whose signing failed.
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
