import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { Result } from "effect";
import { KubernetesCluster, type KubernetesClusterOptions } from "../../src/adapters/kubernetes/kubernetes-cluster.ts";
import { InMemoryArtifactStore } from "../../src/adapters/memory/in-memory-artifact-store.ts";
import { InMemoryMetrics } from "../../src/adapters/memory/in-memory-metrics.ts";
import { InMemoryTransparencyLog } from "../../src/adapters/memory/in-memory-transparency-log.ts";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { startController, type RunningController } from "../../src/app/composition/start-controller.ts";
import type { ArtifactStoreFactory, TransparencyLogFactory } from "../../src/app/composition/layers.ts";
import type { ArtifactStore } from "../../src/ports/artifact-store.ts";
import type { TransparencyLog } from "../../src/ports/transparency-log.ts";
import { defaultControllerOptions, type ControllerOptions } from "../../src/app/controller/run-controller.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import type { LeaderElectionTiming } from "../../src/domain/leader-election/leader-election-config.ts";
import { type LeaseLeadership, startLeaseLeadership } from "../../src/app/leadership/lease-leadership.ts";
import { startKubeApiEmulator, type EmulatorOptions, type JsonObject, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { until } from "../support/until.ts";

export type RunResource = "taskruns" | "pipelineruns";

export const NAMESPACE = "default";

/** Fast test timing: short watches, short backoffs, the reference retry budget in milliseconds. */
const testTiming = { watchTimeoutSeconds: 5, idleTimeoutMs: 10_000, backoffInitialMs: 20, backoffMaxMs: 200 };
const controllerTiming = { retryDelayMs: 5, maxRetryDelayMs: 50, childWaitMs: 2_000 };

/** One controller process of a highly available install, with its own client and metrics. */
export interface Replica {
  /** Its Lease identity, also the bearer token its requests carry (see the request log). */
  readonly name: string;
  readonly metrics: InMemoryMetrics;
  readonly leadership: LeaseLeadership;
  /** SIGTERM: passes in flight finish, then the Leases are released. */
  readonly stop: () => Promise<void>;
  /** The process dies: nothing more is sent and its Leases run out by themselves. */
  readonly crash: () => Promise<void>;
}

/** A TaskRun as Tekton Pipelines leaves it while running, without images (no OCI storage needed). */
export const plainTaskRun = (name: string, namespace = NAMESPACE): JsonObject => {
  const run = structuredClone(sampleRuns().taskRuns[1]!) as RunJson;
  run.metadata = { ...run.metadata, name, namespace };
  delete run.metadata.uid;
  return run as unknown as JsonObject;
};

/** A TaskRun whose results declare an image (its signature goes to the `oci` store). */
export const imageTaskRun = (name: string): JsonObject => {
  const run = structuredClone(sampleRuns().taskRuns[0]!) as RunJson;
  run.metadata = { ...run.metadata, name };
  delete run.metadata.uid;
  return run as unknown as JsonObject;
};

/** Ports the controller gets instead of the in-memory log and `oci` store (e.g. a loopback Rekor, a real registry). */
export interface EmulatedPorts {
  readonly transparencyLog?: TransparencyLog["Service"] | TransparencyLogFactory;
  readonly stores?: ReadonlyArray<ArtifactStore | ArtifactStoreFactory>;
}

/**
 * The loopback API emulator, a `chains-config`, a `signing-secrets` Secret holding a fresh
 * ECDSA P-256 key, and the real controller over the Kubernetes adapter.
 */
export class EmulatedChains {
  readonly emu: KubeApiEmulator;
  readonly publicKeyPem: string;
  readonly metrics = new InMemoryMetrics();
  readonly oci = new InMemoryArtifactStore("oci");
  cluster: KubernetesCluster | undefined;
  running: RunningController | undefined;
  readonly #adapterOptions: Partial<KubernetesClusterOptions>;
  readonly #controllerOptions: Partial<ControllerOptions>;
  readonly #ports: EmulatedPorts;
  readonly #replicas: Array<Replica> = [];

  private constructor(
    emu: KubeApiEmulator,
    publicKeyPem: string,
    adapter: Partial<KubernetesClusterOptions>,
    controller: Partial<ControllerOptions>,
    ports: EmulatedPorts,
  ) {
    this.emu = emu;
    this.publicKeyPem = publicKeyPem;
    this.#adapterOptions = adapter;
    this.#controllerOptions = controller;
    this.#ports = ports;
  }

  /** The controller's parts besides the cluster: the given log and stores, else in-memory ones. */
  #parts(cluster: KubernetesCluster, metrics: InMemoryMetrics) {
    return {
      cluster: cluster.ports(),
      metrics,
      transparencyLog: this.#ports.transparencyLog ?? new InMemoryTransparencyLog(),
      stores: this.#ports.stores ?? [this.oci],
      logs: "silent" as const,
    };
  }

  static async create(
    options: {
      readonly emulator?: EmulatorOptions;
      readonly config?: Readonly<Record<string, string>>;
      readonly adapter?: Partial<KubernetesClusterOptions>;
      readonly controller?: Partial<ControllerOptions>;
    } & EmulatedPorts = {},
  ): Promise<EmulatedChains> {
    const emu = await startKubeApiEmulator({ bookmarkIntervalMs: 200, ...options.emulator });
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    emu.store.seed(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "chains-config", namespace: "tekton-chains" }, data: { ...options.config } },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "signing-secrets", namespace: "tekton-chains" },
        data: { "x509.pem": Buffer.from(privateKey.export({ type: "pkcs8", format: "pem" }).toString()).toString("base64") },
      },
    );
    return new EmulatedChains(emu, publicKey.export({ type: "spki", format: "pem" }).toString(), options.adapter ?? {}, options.controller ?? {}, {
      ...(options.transparencyLog === undefined ? {} : { transparencyLog: options.transparencyLog }),
      ...(options.stores === undefined ? {} : { stores: options.stores }),
    });
  }

  kubeConfig(token?: string): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(this.emu.kubeconfig(token === undefined ? {} : { token }));
    return kc;
  }

  /** Starts one more replica that contends for the leader Leases (`buckets` per run kind). */
  async startReplica(name: string, timing: LeaderElectionTiming, buckets = 1): Promise<Replica> {
    const cluster = await KubernetesCluster.connect({ kubeConfig: this.kubeConfig(name), timing: testTiming, writeRetryDelayMs: 10, ...this.#adapterOptions });
    const leadership = startLeaseLeadership({ store: cluster.leaseStore(), identity: name, timing, buckets, log: () => undefined });
    const metrics = new InMemoryMetrics();
    const started = await startController(
      this.#parts(cluster, metrics),
      { ...defaultControllerOptions, timing: controllerTiming, shutdownGraceMs: 2_000, configRefreshMs: 100, ...this.#controllerOptions, leadership },
    );
    if (Result.isFailure(started)) {
      await leadership.stop({ release: true });
      cluster.close();
      throw new Error(`replica ${name} did not start: ${started.failure.message}`);
    }
    const running = started.success;
    let stopped = false;
    const end = async (release: boolean) => {
      if (stopped) return;
      stopped = true;
      if (!release) await leadership.stop({ release });
      await running.stop();
      if (release) await leadership.stop({ release });
      cluster.close();
    };
    const replica: Replica = { name, metrics, leadership, stop: () => end(true), crash: () => end(false) };
    this.#replicas.push(replica);
    return replica;
  }

  /** Connects the adapter and starts the controller (again, after `stopController`). */
  async startController(): Promise<void> {
    const cluster = await KubernetesCluster.connect({ kubeConfig: this.kubeConfig(), timing: testTiming, writeRetryDelayMs: 10, ...this.#adapterOptions });
    const started = await startController(
      this.#parts(cluster, this.metrics),
      { ...defaultControllerOptions, timing: controllerTiming, shutdownGraceMs: 2_000, configRefreshMs: 100, ...this.#controllerOptions },
    );
    if (Result.isFailure(started)) {
      cluster.close();
      throw new Error(`the controller did not start: ${started.failure.message}`);
    }
    this.cluster = cluster;
    this.running = started.success;
  }

  async stopController(): Promise<void> {
    await this.running?.stop();
    this.cluster?.close();
    this.running = undefined;
    this.cluster = undefined;
  }

  async stop(): Promise<void> {
    await this.stopController();
    for (const replica of this.#replicas) await replica.crash();
    await this.emu.stop();
  }

  get(resource: RunResource, name: string, namespace = NAMESPACE): JsonObject | undefined {
    return this.emu.store.get(resource, namespace, name);
  }

  annotations(resource: RunResource, name: string, namespace = NAMESPACE): Record<string, string> {
    const metadata = this.get(resource, name, namespace)?.["metadata"] as { annotations?: Record<string, string> } | undefined;
    return metadata?.annotations ?? {};
  }

  finalizers(resource: RunResource, name: string, namespace = NAMESPACE): ReadonlyArray<string> {
    const metadata = this.get(resource, name, namespace)?.["metadata"] as { finalizers?: Array<string> } | undefined;
    return metadata?.finalizers ?? [];
  }

  /** Finishes a run as Tekton Pipelines does (Succeeded condition, completionTime). */
  complete(resource: RunResource, name: string, namespace = NAMESPACE): void {
    this.emu.store.modify(resource, namespace, name, (o) => completeRun("True", new Date())(o as unknown as RunJson));
  }

  async awaitSigned(resource: RunResource, name: string, namespace = NAMESPACE, timeoutMs = 15_000): Promise<string> {
    let signed: string | undefined;
    await until(
      () => {
        signed = this.annotations(resource, name, namespace)["chains.tekton.dev/signed"];
        return signed === "true" || signed === "failed";
      },
      `${resource} ${namespace}/${name} signed`,
      timeoutMs,
    );
    return signed!;
  }

  /** Run writes (PATCH/PUT/POST/DELETE on the run itself) the emulator received. */
  runWrites(resource: RunResource, name: string, namespace = NAMESPACE) {
    return this.emu.requestLog.writes({ resource, name, namespace });
  }

  /**
   * Checks the run's provenance annotations: the payload is the DSSE envelope's payload, and the
   * envelope's signature verifies over the PAE with the public key (as `openssl dgst -verify` would).
   */
  provenanceVerifies(resource: RunResource, name: string, namespace = NAMESPACE): boolean {
    const object = this.get(resource, name, namespace);
    const uid = (object?.["metadata"] as { uid?: string } | undefined)?.uid ?? "";
    const kind = resource === "taskruns" ? "taskrun" : "pipelinerun";
    const annotations = this.annotations(resource, name, namespace);
    const payloadText = annotations[`chains.tekton.dev/payload-${kind}-${uid}`];
    const envelopeText = annotations[`chains.tekton.dev/signature-${kind}-${uid}`];
    if (payloadText === undefined || envelopeText === undefined) return false;
    const payload = Buffer.from(payloadText, "base64");
    const envelope = JSON.parse(Buffer.from(envelopeText, "base64").toString()) as {
      payload: string;
      payloadType: string;
      signatures: Array<{ sig: string }>;
    };
    if (!Buffer.from(envelope.payload, "base64").equals(payload)) return false;
    const signature = envelope.signatures[0]?.sig;
    if (signature === undefined) return false;
    return verify("sha256", preAuthEncoding(envelope.payloadType, payload), createPublicKey(this.publicKeyPem), Buffer.from(signature, "base64"));
  }
}
