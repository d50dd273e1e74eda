import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finalizerFor, SIGNED_ANNOTATION } from "../src/domain/annotations/chains-annotations.ts";
import { completeRun } from "../src/adapters/memory/run-completion-mutation.ts";
import type { RunJson } from "../src/adapters/memory/run-json.ts";
import { startFaultProxy, type FaultProxy } from "../test/oci/fault-proxy.ts";
import { imageTaskRun } from "../test/oci-storage/oci-fixtures.ts";
import { startKubeApiEmulator, type JsonObject, type KubeApiEmulator } from "../test/support/kube-api-emulator/index.ts";
import { startRegistry, type RunningRegistry } from "../test/support/oci-registry.ts";
import { startVaultTransitEmulator, type VaultTransitEmulator } from "../test/support/vault-transit-emulator.ts";
import { type ControllerProcess, launchController } from "./controller-process.ts";

export const NAMESPACE = "default";
const TASKRUN_FINALIZER = finalizerFor("TaskRun");
const KEY_NAME = "chaos";

/** A TaskRun that builds one image of its own: its provenance goes to the run and to `.att`, its image signature to `.sig`. */
export interface ImageRun {
  readonly name: string;
  readonly repository: string;
  readonly digest: string;
}

export const signatureTags = (run: ImageRun): ReadonlyArray<string> => {
  const hex = run.digest.replace(/^sha256:/, "");
  return [`sha256-${hex}.sig`, `sha256-${hex}.att`];
};

/**
 * Everything a scenario drives: the API emulator, Debian's docker-registry and a Vault transit
 * emulator (the KMS that signs), each of the latter two behind a proxy that can hold requests
 * (`hang`); the controller processes; and the runs, as Tekton Pipelines would make them.
 */
export class ChaosWorld {
  readonly emu: KubeApiEmulator;
  readonly registry: RunningRegistry;
  /** What the controller reaches the registry through: image references name this host. */
  readonly registryGate: FaultProxy;
  readonly vault: VaultTransitEmulator;
  readonly vaultGate: FaultProxy;
  readonly publicKeyPem: string;
  readonly #dir: string;
  readonly #kubeconfig: string;
  readonly #secrets: string;
  readonly #controllers: Array<ControllerProcess> = [];

  private constructor(parts: {
    emu: KubeApiEmulator;
    registry: RunningRegistry;
    registryGate: FaultProxy;
    vault: VaultTransitEmulator;
    vaultGate: FaultProxy;
    publicKeyPem: string;
    dir: string;
    kubeconfig: string;
    secrets: string;
  }) {
    this.emu = parts.emu;
    this.registry = parts.registry;
    this.registryGate = parts.registryGate;
    this.vault = parts.vault;
    this.vaultGate = parts.vaultGate;
    this.publicKeyPem = parts.publicKeyPem;
    this.#dir = parts.dir;
    this.#kubeconfig = parts.kubeconfig;
    this.#secrets = parts.secrets;
  }

  /** Starts every part; if one fails, those already started are stopped (so nothing keeps the process alive). */
  static async start(options: { readonly leaderElection: Readonly<Record<string, string>> }): Promise<ChaosWorld> {
    const started: Array<() => Promise<void>> = [];
    const part = async <A>(start: Promise<A>, stop: (a: A) => Promise<void>): Promise<A> => {
      const value = await start;
      started.unshift(() => stop(value));
      return value;
    };
    try {
      return await ChaosWorld.#start(options, part);
    } catch (error) {
      for (const stop of started) await stop().catch(() => undefined);
      throw error;
    }
  }

  static async #start(
    options: { readonly leaderElection: Readonly<Record<string, string>> },
    part: <A>(start: Promise<A>, stop: (a: A) => Promise<void>) => Promise<A>,
  ): Promise<ChaosWorld> {
    const dir = await part(mkdtemp(join(tmpdir(), "chains-chaos-")), (d) => rm(d, { recursive: true, force: true }));
    const emu = await part(startKubeApiEmulator({ bookmarkIntervalMs: 1_000 }), (e) => e.stop());
    const registry = await part(startRegistry(), (r) => r.stop());
    const registryGate = await part(startFaultProxy(registry.host), (g) => g.stop());
    const vault = await part(startVaultTransitEmulator(), (v) => v.close());
    const vaultGate = await part(startFaultProxy(new URL(vault.address).host), (g) => g.stop());
    const publicKeyPem = vault.createKey(KEY_NAME, "ecdsa-p256");
    const secrets = join(dir, "signing-secrets");
    await mkdir(secrets);
    emu.store.seed(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "chains-config", namespace: "tekton-chains" },
        data: {
          "artifacts.taskrun.format": "in-toto",
          "artifacts.taskrun.storage": "tekton,oci",
          "artifacts.taskrun.signer": "kms",
          "artifacts.oci.storage": "oci",
          "artifacts.oci.signer": "kms",
          "artifacts.pipelinerun.signer": "kms",
          "signers.kms.kmsref": `hashivault://${KEY_NAME}`,
          "signers.kms.auth.address": `http://${vaultGate.host}`,
          "signers.kms.auth.token": vault.issueToken(),
        },
      },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tekton-chains-config-leader-election", namespace: "tekton-chains" }, data: { ...options.leaderElection } },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: NAMESPACE } },
    );
    const kubeconfig = await emu.writeKubeconfig(dir);
    return new ChaosWorld({ emu, registry, registryGate, vault, vaultGate, publicKeyPem, dir, kubeconfig, secrets });
  }

  startController(podName: string, options: { readonly disableHa: boolean }): ControllerProcess {
    const controller = launchController({ kubeconfig: this.#kubeconfig, signingSecrets: this.#secrets, podName, disableHa: options.disableHa });
    this.#controllers.push(controller);
    return controller;
  }

  /**
   * A TaskRun that is running (not complete), building an image in its own repository, on the
   * chaos registry unless `registryHost` names another.
   */
  seedImageRun(name: string, registryHost = this.registryGate.host): ImageRun {
    const run: ImageRun = { name, repository: `chaos/${name}`, digest: `sha256:${randomBytes(32).toString("hex")}` };
    const object = imageTaskRun(name, `${registryHost}/${run.repository}:latest`, run.digest);
    delete object.metadata.uid;
    object.metadata.namespace = NAMESPACE;
    this.emu.store.seed(object as unknown as JsonObject);
    return run;
  }

  /** Tekton Pipelines finishes the run. */
  complete(name: string): void {
    this.emu.store.modify("taskruns", NAMESPACE, name, (o) => completeRun("True", new Date())(o as unknown as RunJson));
  }

  /** A user deletes the run (it stays while finalizers remain). */
  delete(name: string): void {
    this.emu.store.delete("taskruns", NAMESPACE, name);
  }

  exists(name: string): boolean {
    return this.emu.store.get("taskruns", NAMESPACE, name) !== undefined;
  }

  metadata(name: string): { uid?: string; annotations?: Record<string, string>; finalizers?: Array<string> } {
    return (this.emu.store.get("taskruns", NAMESPACE, name)?.["metadata"] as ReturnType<ChaosWorld["metadata"]> | undefined) ?? {};
  }

  signedState(name: string): string | undefined {
    return this.metadata(name).annotations?.[SIGNED_ANNOTATION];
  }

  hasFinalizer(name: string): boolean {
    return this.metadata(name).finalizers?.includes(TASKRUN_FINALIZER) === true;
  }

  /** The manifest of a signature tag, read from the registry itself (not through the gate). */
  async manifest(repository: string, tag: string): Promise<RegistryManifest | undefined> {
    const response = await fetch(`${this.registry.url}/v2/${repository}/manifests/${tag}`, {
      headers: { Accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" },
    });
    if (response.status === 404) {
      await response.arrayBuffer();
      return undefined;
    }
    if (!response.ok) throw new Error(`registry GET manifest ${repository}:${tag}: HTTP ${response.status}`);
    return (await response.json()) as RegistryManifest;
  }

  async blob(repository: string, digest: string): Promise<Buffer> {
    const response = await fetch(`${this.registry.url}/v2/${repository}/blobs/${digest}`);
    if (!response.ok) throw new Error(`registry GET blob ${repository}@${digest}: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /** Signature tags of the run that already hold a layer. */
  async tagsWithLayers(run: ImageRun): Promise<ReadonlyArray<string>> {
    const tags: Array<string> = [];
    for (const tag of signatureTags(run)) if (((await this.manifest(run.repository, tag))?.layers.length ?? 0) > 0) tags.push(tag);
    return tags;
  }

  async stop(): Promise<void> {
    for (const controller of this.#controllers) await controller.kill();
    await this.registryGate.stop();
    await this.vaultGate.stop();
    await this.vault.close();
    await this.registry.stop();
    await this.emu.stop();
    await rm(this.#dir, { recursive: true, force: true });
  }
}

export interface RegistryManifest {
  readonly layers: ReadonlyArray<{ readonly digest: string; readonly annotations?: Readonly<Record<string, string>> }>;
}

export const until = async (condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
};
