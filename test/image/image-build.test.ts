import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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

const buildImage = (...args: string[]) => {
  const run = spawnSync(process.execPath, [join(root, "scripts", "image", "main.ts"), ...args], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`npm run image -- ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return run.stdout.trim();
};

interface OciIndex {
  readonly manifests: ReadonlyArray<{ readonly digest: string }>;
}
interface Manifest {
  readonly layers: ReadonlyArray<{ readonly digest: string }>;
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

  it("builds the same digest twice, pushes it, and the pulled image runs `chains-ts --help` and the demo as uid 65532 with nothing from the host", async () => {
    const built = buildImage("--output", join(work, "built"));
    expect(built).toMatch(/^sha256:[0-9a-f]{64}$/);

    const pushed = buildImage("--push", `${registry.host}/chains-ts:test`);
    expect(pushed).toBe(`${registry.host}/chains-ts@${built}`);

    const pulled = join(work, "pulled");
    await skopeo("copy", "--src-tls-verify=false", `docker://${pushed}`, `oci:${pulled}:pulled`);
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
});
