import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../support/oci-registry.ts";
import { skopeo, skopeoUnavailable } from "../oci/registry-fixtures.ts";

const root = join(import.meta.dirname, "..", "..");
const chroot = ["/usr/sbin/chroot", "/usr/bin/chroot"].find((path) => existsSync(path));

/** Why the image cannot be run here, or undefined; with `CI=true` that is an error, not a skip. */
const chrootUnavailable = (): string | undefined => {
  const reason =
    chroot === undefined ? "chroot (coreutils) not found" : process.getuid?.() !== 0 ? "chroot needs root; run the test as root" : undefined;
  if (reason !== undefined && process.env["CI"] === "true") throw new Error(`CI=true and ${reason}`);
  return reason;
};

const missing = registryUnavailable() ?? skopeoUnavailable() ?? chrootUnavailable();
if (missing !== undefined) console.warn(`skipping the image build test: ${missing}`);

const testKeys = join(root, "test", "fixtures", "keys");

const buildImage = (...args: string[]) => {
  // The key's password comes from cosign.password beside it, not from the caller's COSIGN_PASSWORD.
  const { COSIGN_PASSWORD: _password, ...env } = process.env;
  const run = spawnSync(process.execPath, [join(root, "scripts", "image", "main.ts"), ...args], {
    encoding: "utf8",
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`npm run image -- ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return run.stdout.trim();
};

interface OciIndex {
  readonly manifests: ReadonlyArray<{ readonly digest: string }>;
}
interface Manifest {
  readonly layers: ReadonlyArray<{ readonly digest: string; readonly mediaType: string; readonly annotations?: Record<string, string> }>;
}
interface ImageConfig {
  readonly config: { readonly User: string; readonly Env: ReadonlyArray<string>; readonly Entrypoint: ReadonlyArray<string>; readonly WorkingDir: string };
}

describe.skipIf(missing !== undefined)("npm run image, pushed to docker-registry and run from skopeo's copy", () => {
  let registry: RunningRegistry;
  let work: string;
  const blob = (layout: string, digest: string) => join(layout, "blobs", "sha256", digest.replace(/^sha256:/, ""));
  const json = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

  beforeAll(async () => {
    registry = await startRegistry();
    work = mkdtempSync(join(tmpdir(), "chains-ts-image-test-"));
  });
  afterAll(async () => {
    await registry?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  let built = "";
  let signatureRefs: ReadonlyArray<string> = [];

  it("builds the same digest twice, pushes and signs it, and the pulled image runs `chains-ts --help` and the demo as uid 65532 with nothing from the host", async () => {
    built = buildImage("--output", join(work, "built"));
    expect(built).toMatch(/^sha256:[0-9a-f]{64}$/);

    const [pushed, ...signatures] = buildImage("--push", `${registry.host}/chains-ts:test`, "--key", join(testKeys, "cosign.key")).split("\n");
    expect(pushed).toBe(`${registry.host}/chains-ts@${built}`);
    const tag = `sha256-${built.slice("sha256:".length)}`;
    expect(signatures).toEqual([`${registry.host}/chains-ts:${tag}.sig`, `${registry.host}/chains-ts:${tag}.att`]);
    signatureRefs = signatures;

    const pulled = join(work, "pulled");
    await skopeo("copy", "--src-tls-verify=false", `docker://${pushed!}`, `oci:${pulled}:pulled`);
    const inspected = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${registry.host}/chains-ts:test`)) as {
      Digest: string;
      Architecture: string;
      Os: string;
    };
    expect(inspected).toMatchObject({ Digest: built, Architecture: "amd64", Os: "linux" });

    const manifestDigest = json<OciIndex>(join(pulled, "index.json")).manifests[0]!.digest;
    expect(manifestDigest).toBe(built);
    const manifest = json<Manifest>(blob(pulled, manifestDigest));
    const config = JSON.parse(await skopeo("inspect", "--config", `oci:${pulled}:pulled`)) as ImageConfig;
    expect(config.config.User).toBe("65532:65532");

    // The layers, in order, with GNU tar: the root filesystem holds only what the image brought.
    const rootfs = join(work, "rootfs");
    mkdirSync(rootfs);
    for (const layer of manifest.layers) {
      const untar = spawnSync("tar", ["-xzf", blob(pulled, layer.digest), "-C", rootfs], { encoding: "utf8" });
      expect(untar.stderr).toBe("");
      expect(untar.status).toBe(0);
    }

    // Read-only-root friendly: uid 65532 can write only where the Deployment mounts emptyDirs.
    const writable = (...test: string[]) =>
      spawnSync("find", [rootfs, "-not", "-type", "l", ...test, "-printf", "/%P\\n"], { encoding: "utf8" }).stdout.trim().split("\n").sort();
    expect(writable("-perm", "-o+w")).toEqual(["/tmp"]);
    expect(writable("-user", "65532")).toEqual(["/home/nonroot"]);

    const [node, ...nodeArgs] = config.config.Entrypoint.slice(0, -1);
    const inImage = (...args: string[]) =>
      spawnSync(chroot!, [`--userspec=${config.config.User}`, rootfs, node!, ...nodeArgs, ...args], {
        encoding: "utf8",
        env: Object.fromEntries([...config.config.Env, "HOME=/home/nonroot"].map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])),
        cwd: "/",
      });

    const help = inImage("--help");
    expect(help.stderr).toBe("");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: chains-ts <command>/);
    expect(help.stdout).toContain("controller");

    const demo = inImage("demo", "--out", "/tmp/demo");
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/TaskRun default\/build-image\s+chains\.tekton\.dev\/signed=true/);
    expect(demo.stdout).toMatch(/PipelineRun default\/release-pipeline-run\s+chains\.tekton\.dev\/signed=true/);
    expect(existsSync(join(rootfs, "tmp", "demo", "cosign.pub"))).toBe(true);

    // The demo's signature, checked outside the image by openssl.
    const demoOut = join(rootfs, "tmp", "demo");
    const verified = spawnSync(
      "openssl",
      ["dgst", "-sha256", "-verify", join(demoOut, "cosign.pub"), "-signature", join(demoOut, "build-image.pae.sig"), join(demoOut, "build-image.pae")],
      { encoding: "utf8" },
    );
    expect(verified.stdout.trim()).toBe("Verified OK");
  });

  it("signs the pushed digest as Chains does: skopeo fetches the .sig and .att layers, openssl checks both with cosign.pub", async () => {
    expect(signatureRefs).toHaveLength(2);
    const [sigRef, attRef] = signatureRefs as [string, string];
    const layerOf = async (ref: string, dir: string) => {
      const manifest = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${ref}`)) as Manifest;
      expect(manifest.layers).toHaveLength(1);
      await skopeo("copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${join(work, dir)}:signature`);
      const layer = manifest.layers[0]!;
      return { layer, bytes: readFileSync(blob(join(work, dir), layer.digest)) };
    };
    const opensslVerifies = (signed: Uint8Array, signature: Uint8Array, name: string) => {
      writeFileSync(join(work, `${name}.data`), signed);
      writeFileSync(join(work, `${name}.sig`), signature);
      const run = spawnSync(
        "openssl",
        ["dgst", "-sha256", "-verify", join(testKeys, "cosign.pub"), "-signature", join(work, `${name}.sig`), join(work, `${name}.data`)],
        { encoding: "utf8" },
      );
      return run.stdout.trim();
    };

    // .sig: the simplesigning payload is the layer, its raw signature the layer's annotation.
    const sig = await layerOf(sigRef, "sig");
    expect(sig.layer.mediaType).toBe("application/vnd.dev.cosign.simplesigning.v1+json");
    const simpleSigning = JSON.parse(sig.bytes.toString("utf8")) as { critical: { identity: Record<string, string>; image: Record<string, string>; type: string } };
    expect(simpleSigning.critical).toEqual({
      identity: { "docker-reference": `${registry.host}/chains-ts` },
      image: { "docker-manifest-digest": built },
      type: "cosign container image signature",
    });
    const rawSignature = Buffer.from(sig.layer.annotations?.["dev.cosignproject.cosign/signature"] ?? "", "base64");
    expect(opensslVerifies(sig.bytes, rawSignature, "simplesigning")).toBe("Verified OK");

    // .att: a DSSE envelope whose signature covers the PAE of its in-toto statement.
    const att = await layerOf(attRef, "att");
    expect(att.layer.mediaType).toBe("application/vnd.dsse.envelope.v1+json");
    const envelope = JSON.parse(att.bytes.toString("utf8")) as { payloadType: string; payload: string; signatures: ReadonlyArray<{ sig: string }> };
    expect(envelope.payloadType).toBe("application/vnd.in-toto+json");
    const payload = Buffer.from(envelope.payload, "base64");
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${Buffer.byteLength(envelope.payloadType)} ${envelope.payloadType} ${payload.length} `),
      payload,
    ]);
    expect(envelope.signatures).toHaveLength(1);
    expect(opensslVerifies(pae, Buffer.from(envelope.signatures[0]!.sig, "base64"), "attestation")).toBe("Verified OK");

    const statement = JSON.parse(payload.toString("utf8")) as {
      subject: ReadonlyArray<{ name: string; digest: Record<string, string> }>;
      predicateType: string;
      predicate: { builder: { id: string }; materials: ReadonlyArray<{ uri: string; digest: Record<string, string> }>; invocation: { parameters: Record<string, unknown> } };
    };
    expect(statement.subject).toEqual([{ name: `${registry.host}/chains-ts`, digest: { sha256: built.slice("sha256:".length) } }]);
    expect(statement.predicateType).toBe("https://slsa.dev/provenance/v0.2");
    const commit = spawnSync("git", ["-C", root, "rev-parse", "HEAD"], { encoding: "utf8" }).stdout.trim();
    const lockSha256 = createHash("sha256").update(readFileSync(join(root, "package-lock.json"))).digest("hex");
    expect(statement.predicate.materials.map((m) => m.digest)).toEqual([{ sha1: commit }, { sha256: lockSha256 }]);
    expect(statement.predicate.invocation.parameters).toMatchObject({ push: `${registry.host}/chains-ts:test` });
  });
});
