import { createHash, verify } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Option, Result } from "effect";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { imageBuildProvenance, type ImageBuild } from "../../scripts/image/build-provenance.ts";
import { releaseKeyPassword, releaseSigner } from "../../scripts/image/release-key.ts";
import { signRelease } from "../../scripts/image/sign-release.ts";
import { InMemoryOciRegistry } from "../../src/adapters/memory/in-memory-oci-registry.ts";
import { statementTargets } from "../../src/adapters/storage/oci/oci-storage-targets.ts";
import { anonymousKeychain } from "../../src/domain/oci/registry-credential.ts";
import type { OciDigest } from "../../src/domain/oci/oci-digest.ts";

const keys = join(import.meta.dirname, "..", "fixtures", "keys");
const work = mkdtempSync(join(tmpdir(), "chains-ts-release-signing-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));

const build = (overrides: Partial<ImageBuild> = {}): ImageBuild => ({
  image: { repository: "registry.example.com/team/chains-ts", digest: `sha256:${"a".repeat(64)}` },
  source: { repositoryUri: "git+https://example.com/chains-ts.git", commit: "b".repeat(40), dirty: false, packageLockSha256: "c".repeat(64) },
  parameters: { push: "registry.example.com/team/chains-ts:v1", release: false, insecure: false },
  epoch: new Date(0),
  startedOn: new Date("2026-01-02T03:04:05.600Z"),
  finishedOn: new Date("2026-01-02T03:05:00Z"),
  ...overrides,
});

interface Provenance {
  readonly _type: string;
  readonly subject: ReadonlyArray<{ readonly name: string; readonly digest: Record<string, string> }>;
  readonly predicateType: string;
  readonly predicate: {
    readonly builder: { readonly id: string };
    readonly buildType: string;
    readonly invocation: { readonly parameters: unknown; readonly configSource: { readonly digest: unknown; readonly entryPoint: string } };
    readonly materials: ReadonlyArray<{ readonly uri: string; readonly digest: Record<string, string> }>;
    readonly metadata: { readonly reproducible: boolean; readonly buildStartedOn: string; readonly buildFinishedOn: string };
  };
}

describe("the provenance `npm run image --key` attaches", () => {
  // For any pushed digest, commit and lock hash, the statement's one subject is the pushed image,
  // which is what the oci backend attests, and its materials are exactly the commit and the lock.
  it("names the pushed image as its only subject and the commit and package-lock.json as its materials", () => {
    fc.assert(
      fc.property(hex(64), hex(40), hex(64), (image, commit, lock) => {
        const digest: OciDigest = `sha256:${image}`;
        const input = build({
          image: { repository: "127.0.0.1:5000/chains-ts", digest },
          source: { ...build().source, commit, packageLockSha256: lock },
        });
        const text = imageBuildProvenance(input);
        const statement = JSON.parse(text) as Provenance;
        expect(statement.subject).toEqual([{ name: "127.0.0.1:5000/chains-ts", digest: { sha256: image } }]);
        expect(statement.predicate.materials.map((m) => m.digest)).toEqual([{ sha1: commit }, { sha256: lock }]);
        expect(statement.predicate.invocation.configSource.digest).toEqual({ sha1: commit });
        const targets = Result.getOrThrow(statementTargets(text, undefined));
        expect(targets.skipped).toEqual([]);
        expect(targets.targets.map((t) => `${t.imageRepo.registry}/${t.imageRepo.repository}@${t.image.digest}`)).toEqual([
          `127.0.0.1:5000/chains-ts@${digest}`,
        ]);
      }),
    );
  });

  it("is SLSA v0.2 in an in-toto v0.1 statement (cosign's --type slsaprovenance), built by npm run image with the options given", () => {
    const statement = JSON.parse(imageBuildProvenance(build())) as Provenance;
    expect(statement._type).toBe("https://in-toto.io/Statement/v0.1");
    expect(statement.predicateType).toBe("https://slsa.dev/provenance/v0.2");
    expect(statement.predicate.invocation.configSource.entryPoint).toBe("npm run image");
    expect(statement.predicate.builder.id).toContain("npm-run-image");
    expect(statement.predicate.buildType).toContain("npm-run-image");
    expect(statement.predicate.invocation.parameters).toEqual(build().parameters);
    expect(statement.predicate.metadata.buildStartedOn).toBe("2026-01-02T03:04:05.6Z");
    expect(statement.predicate.metadata.buildFinishedOn).toBe("2026-01-02T03:05:00Z");
  });

  it("claims reproducibility only for a clean checkout, since the commit does not hold uncommitted changes", () => {
    const reproducible = (dirty: boolean) =>
      (JSON.parse(imageBuildProvenance(build({ source: { ...build().source, dirty } }))) as Provenance).predicate.metadata.reproducible;
    expect(reproducible(false)).toBe(true);
    expect(reproducible(true)).toBe(false);
  });
});

describe("the --key password", () => {
  const keyDir = mkdtempSync(join(work, "key-"));
  const keyPath = join(keyDir, "cosign.key");
  copyFileSync(join(keys, "cosign.key"), keyPath);

  it("comes from COSIGN_PASSWORD when it is set, even to the empty string, as cosign reads it", () => {
    writeFileSync(join(keyDir, "cosign.password"), "from-file");
    expect(releaseKeyPassword(keyPath, { COSIGN_PASSWORD: "" })).toEqual({ password: new Uint8Array(), source: "COSIGN_PASSWORD" });
    expect(Buffer.from(releaseKeyPassword(keyPath, {})!.password).toString()).toBe("from-file");
    rmSync(join(keyDir, "cosign.password"));
    expect(releaseKeyPassword(keyPath, {})).toBeUndefined();
  });

  it("a wrong one is refused before anything is built, naming where it came from", async () => {
    const message = await Effect.runPromise(Effect.flip(releaseSigner(keyPath, { COSIGN_PASSWORD: "wrong" })));
    expect(message).toContain("COSIGN_PASSWORD");
    expect(message).toContain("wrong password");
    const none = await Effect.runPromise(Effect.flip(releaseSigner(keyPath, {})));
    expect(none).toContain("set COSIGN_PASSWORD");
  });
});

describe("signRelease, into an in-memory registry", () => {
  const image = { repository: "registry.example.com/team/chains-ts", digest: `sha256:${"d".repeat(64)}` as OciDigest };
  const tag = `sha256-${"d".repeat(64)}`;
  const cosignPub = readFileSync(join(keys, "cosign.pub"), "utf8");

  const signInto = async (registry: InMemoryOciRegistry, env: { COSIGN_REPOSITORY?: string } = {}) =>
    Effect.runPromise(
      signRelease({
        image,
        provenance: imageBuildProvenance(build({ image })),
        signer: await Effect.runPromise(releaseSigner(join(keys, "cosign.key"), {})),
        registry: { session: () => registry.session() },
        keychain: anonymousKeychain,
        insecure: false,
        env,
      }),
    );

  it("writes the .sig and .att tags of the image's digest, the .sig verifying with cosign.pub over the simplesigning payload", async () => {
    const registry = new InMemoryOciRegistry();
    const refs = await signInto(registry);
    const repo = { registry: "registry.example.com", repository: "team/chains-ts" };
    expect(refs).toEqual({ sig: `registry.example.com/team/chains-ts:${tag}.sig`, att: `registry.example.com/team/chains-ts:${tag}.att` });
    expect(registry.tags(repo)).toEqual([`${tag}.att`, `${tag}.sig`]);

    const manifest = async (reference: string) => {
      const found = await Effect.runPromise(registry.session().getManifest(repo, reference));
      return JSON.parse(Buffer.from(Option.getOrThrow(found).bytes).toString()) as {
        layers: ReadonlyArray<{ mediaType: string; digest: string; annotations: Record<string, string> }>;
      };
    };
    const sigLayer = (await manifest(`${tag}.sig`)).layers;
    const payload = `{"critical":{"identity":{"docker-reference":"${image.repository}"},"image":{"docker-manifest-digest":"${image.digest}"},"type":"cosign container image signature"},"optional":null}`;
    expect(sigLayer).toHaveLength(1);
    expect(sigLayer[0]!.digest).toBe(`sha256:${createHash("sha256").update(payload).digest("hex")}`);
    const signature = Buffer.from(sigLayer[0]!.annotations["dev.cosignproject.cosign/signature"]!, "base64");
    expect(verify("sha256", Buffer.from(payload), cosignPub, signature)).toBe(true);
    expect((await manifest(`${tag}.att`)).layers.map((l) => l.mediaType)).toEqual(["application/vnd.dsse.envelope.v1+json"]);
  });

  it("puts the signatures in COSIGN_REPOSITORY when it is set, as cosign does, and prints that repository", async () => {
    const registry = new InMemoryOciRegistry();
    const refs = await signInto(registry, { COSIGN_REPOSITORY: "registry.example.com/signatures" });
    expect(refs.sig).toBe(`registry.example.com/signatures:${tag}.sig`);
    expect(registry.tags({ registry: "registry.example.com", repository: "signatures" })).toEqual([`${tag}.att`, `${tag}.sig`]);
    expect(registry.tags({ registry: "registry.example.com", repository: "team/chains-ts" })).toEqual([]);
  });
});
