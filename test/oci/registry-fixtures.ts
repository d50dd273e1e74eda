import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { Effect } from "effect";
import { ociConfigMediaType, ociManifestMediaType } from "../../src/domain/oci/media-types.ts";
import { sha256Digest, type OciDigest } from "../../src/domain/oci/oci-digest.ts";
import type { OciRegistrySession, RepositoryRef } from "../../src/ports/oci-registry.ts";

const run = promisify(execFile);

export const skopeoBinary = process.env["SKOPEO_BIN"] ?? "/usr/bin/skopeo";

/** Why skopeo cannot run, or undefined; with `CI=true` a missing skopeo is an error. */
export const skopeoUnavailable = (): string | undefined => {
  if (existsSync(skopeoBinary)) return undefined;
  const reason = `${skopeoBinary} not found (apt-get install skopeo)`;
  if (process.env["CI"] === "true") throw new Error(`CI=true and ${reason}`);
  return reason;
};

/** Runs skopeo against a plain-HTTP loopback registry; returns stdout. */
export const skopeo = async (...args: string[]): Promise<string> => {
  const { stdout } = await run(skopeoBinary, args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
};

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export const runEffect = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect);

/** The failure of an effect that must fail. */
export const failureOf = async <A, E>(effect: Effect.Effect<A, E>): Promise<E> =>
  Effect.runPromise(Effect.flip(effect));

/**
 * Pushes a one-layer OCI image (arbitrary layer bytes, a valid image config) with the client
 * under test, and returns the manifest digest computed here from the bytes sent.
 */
export const pushTestImage = async (
  session: OciRegistrySession,
  repo: RepositoryRef,
  tag: string,
  seed = "layer",
): Promise<{ digest: OciDigest; manifest: Uint8Array; layer: OciDigest; config: OciDigest }> => {
  const layer = utf8(`chains-ts test ${seed} ${repo.repository}\n`);
  const layerDigest = sha256Digest(layer);
  const config = utf8(
    JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layerDigest] }, config: {} }),
  );
  const configDigest = sha256Digest(config);
  const manifest = utf8(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifestMediaType,
      config: { mediaType: ociConfigMediaType, size: config.length, digest: configDigest },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", size: layer.length, digest: layerDigest }],
    }),
  );
  await runEffect(session.uploadBlob(repo, { digest: layerDigest, bytes: layer }));
  await runEffect(session.uploadBlob(repo, { digest: configDigest, bytes: config }));
  await runEffect(session.putManifest(repo, tag, { mediaType: ociManifestMediaType, bytes: manifest }));
  return { digest: sha256Digest(manifest), manifest, layer: layerDigest, config: configDigest };
};
