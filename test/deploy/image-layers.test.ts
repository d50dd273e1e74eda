import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostPathEntries } from "../../scripts/image/host-path-entries.ts";
import type { LayerEntry } from "../../scripts/image/layer-entry.ts";
import { lddPaths } from "../../scripts/image/ldd-output.ts";
import { tarLayer } from "../../scripts/image/tar-layer.ts";

const file = (path: string, content = path, mode = 0o644, owner = 0): LayerEntry => ({
  kind: "file",
  path,
  mode,
  owner,
  content: new TextEncoder().encode(content),
});

/** `tar -tv` by GNU tar, numeric owners, UTC times: an independent reader of the layer. */
const gnuTarListing = (tar: Uint8Array): ReadonlyArray<string> =>
  execFileSync("tar", ["--numeric-owner", "--full-time", "-tvf", "-"], { input: tar, encoding: "utf8", env: { ...process.env, TZ: "UTC" } })
    .trim()
    .split("\n");

/** Distinct file paths of 1–3 segments, none of them inside another (a file cannot be a directory). */
const filePaths = fc
  .uniqueArray(fc.array(fc.constantFrom("a", "b", "lib", "x.ts", "Z"), { minLength: 1, maxLength: 3 }).map((s) => s.join("/")), {
    minLength: 1,
    maxLength: 12,
  })
  .filter((paths) => paths.every((p) => paths.every((q) => !q.startsWith(`${p}/`))));

describe("image layer tars (scripts/image)", () => {
  // Invariant: the layer's bytes depend on the set of entries, never on the order they were listed in.
  it("gives the same bytes for any order of the same entries", async () => {
    await fc.assert(
      fc.asyncProperty(
        filePaths.chain((paths) => fc.tuple(fc.constant(paths), fc.shuffledSubarray(paths, { minLength: paths.length }))),
        async ([paths, shuffled]) => {
          const epoch = new Date(0);
          const a = await tarLayer(paths.map((p) => file(p)), epoch);
          const b = await tarLayer(shuffled.map((p) => file(p)), epoch);
          expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("writes sorted entries after their parent directories, with the fixed time, numeric owners and stated modes (read by GNU tar)", async () => {
    const epoch = new Date(1_700_000_000_000);
    const tar = await tarLayer(
      [
        file("usr/lib/libc.so.6", "elf", 0o755),
        { kind: "symlink", path: "lib", target: "usr/lib" },
        { kind: "directory", path: "home/nonroot", mode: 0o700, owner: 65532 },
        file("app/src/app/cli/a-name-long-enough-to-need-a-pax-or-ustar-prefix-header-because-it-passes-one-hundred-bytes.ts"),
        file("etc/passwd", "root:x:0:0::/:/sbin/nologin\n"),
      ],
      epoch,
    );
    const listing = gnuTarListing(tar);
    const stamp = "2023-11-14 22:13:20";
    expect(listing.map((line) => line.split(/\s+/).slice(5).join(" "))).toEqual([
      "app",
      "app/src",
      "app/src/app",
      "app/src/app/cli",
      "app/src/app/cli/a-name-long-enough-to-need-a-pax-or-ustar-prefix-header-because-it-passes-one-hundred-bytes.ts",
      "etc",
      "etc/passwd",
      "home",
      "home/nonroot",
      "lib -> usr/lib",
      "usr",
      "usr/lib",
      "usr/lib/libc.so.6",
    ]);
    for (const line of listing) expect(line).toContain(stamp);
    const byName = new Map(listing.map((line) => [line.split(/\s+/)[5], line.split(/\s+/).slice(0, 2).join(" ")]));
    expect(byName.get("home/nonroot")).toBe("drwx------ 65532/65532");
    expect(byName.get("home")).toBe("drwxr-xr-x 0/0");
    expect(byName.get("usr/lib/libc.so.6")).toBe("-rwxr-xr-x 0/0");
    expect(byName.get("etc/passwd")).toBe("-rw-r--r-- 0/0");
  });

  it("refuses a path listed twice, or one under a file", async () => {
    await expect(tarLayer([file("a"), file("a")], new Date(0))).rejects.toThrow("a is listed twice");
    await expect(tarLayer([file("a"), file("a/b")], new Date(0))).rejects.toThrow("a/b is under a, which is not a directory");
  });
});

describe("host files copied at their ldd paths", () => {
  it("copies every symlink on the way (directories, absolute and relative links) and the file at the end", () => {
    const host = mkdtempSync(join(tmpdir(), "chains-ts-host-"));
    try {
      mkdirSync(join(host, "usr", "lib", "x86_64-linux-gnu"), { recursive: true });
      mkdirSync(join(host, "usr", "lib64"));
      writeFileSync(join(host, "usr", "lib", "x86_64-linux-gnu", "ld-2.so"), "loader", { mode: 0o755 });
      symlinkSync("ld-2.so", join(host, "usr", "lib", "x86_64-linux-gnu", "ld-linux.so.2"));
      symlinkSync("usr/lib", join(host, "lib"));
      symlinkSync("usr/lib64", join(host, "lib64"));
      symlinkSync("/lib/x86_64-linux-gnu/ld-linux.so.2", join(host, "usr", "lib64", "ld-linux.so.2"));

      const entries = hostPathEntries(host, "/lib64/ld-linux.so.2");
      expect(entries.map((e) => (e.kind === "symlink" ? `${e.path} -> ${e.target}` : `${e.path} ${e.kind} ${e.mode.toString(8)}`)).sort()).toEqual([
        "lib -> usr/lib",
        "lib64 -> usr/lib64",
        "usr/lib/x86_64-linux-gnu/ld-2.so file 755",
        "usr/lib/x86_64-linux-gnu/ld-linux.so.2 -> ld-2.so",
        "usr/lib64/ld-linux.so.2 -> /lib/x86_64-linux-gnu/ld-linux.so.2",
      ]);
      const copied = entries.find((e) => e.kind === "file");
      expect(copied?.kind === "file" && new TextDecoder().decode(copied.content)).toBe("loader");

      symlinkSync("loop", join(host, "loop"));
      expect(() => hostPathEntries(host, "/loop")).toThrow("too many symlinks");
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it("reads ldd's output for this machine's node: libraries and the loader, by absolute path", () => {
    const node = process.execPath;
    const ldd = spawnSync("ldd", [node], { encoding: "utf8" });
    if (ldd.status !== 0) throw new Error(`ldd ${node}: ${ldd.stderr}`);
    const paths = lddPaths(node, ldd.stdout);
    expect(paths.every((p) => p.startsWith("/"))).toBe(true);
    expect(paths.some((p) => /\/libc\.so\.6$/.test(p))).toBe(true);
    expect(paths.some((p) => /\/ld-linux-x86-64\.so\.2$/.test(p))).toBe(true);
  });

  it("names a library ldd cannot find", () => {
    const output = "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibmissing.so.1 => not found\n\tlibc.so.6 => /lib/libc.so.6 (0x00007f00)\n";
    expect(() => lddPaths("/bin/prog", output)).toThrow("/bin/prog needs libmissing.so.1, which ldd cannot find");
  });
});
