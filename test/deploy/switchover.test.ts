import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { leaseNameFor } from "../../src/domain/leader-election/lease-names.ts";
import { microTime } from "../../src/domain/leader-election/lease-record.ts";
import { findKubectl, kubectlFor, type Kubectl } from "../kube-emulator/kubectl.ts";
import { plainTaskRun } from "../kubernetes/emulated-chains.ts";
import { until } from "../support/until.ts";
import { type JsonObject, startKubeApiEmulator, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { opensslVerifies } from "../support/independent-verifiers.ts";
import { deployDir, parseManifests, readDeployFile } from "./deploy-manifests.ts";

const CLI = new URL("../../bin/chains-ts", import.meta.url).pathname;
const REFERENCE_INSTALL = new URL("../fixtures/tekton-chains-install/rbac-and-config.yaml", import.meta.url).pathname;
const binary = findKubectl();
const ci = process.env["CI"] === "true";

const RBAC_TYPES = ["clusterroles", "clusterrolebindings", "roles", "rolebindings"] as const;
const RBAC_KINDS: Readonly<Record<(typeof RBAC_TYPES)[number], string>> = {
  clusterroles: "ClusterRole",
  clusterrolebindings: "ClusterRoleBinding",
  roles: "Role",
  rolebindings: "RoleBinding",
};
const GO_IDENTITY = "tekton-chains-controller-6f7c9d-x2kq4_5b0c0f1e-59c2-4c55-9a8e-6f1d1c0a7e21";

const annotationsOf = (o: JsonObject | undefined): Record<string, string> =>
  ((o?.["metadata"] as { annotations?: Record<string, string> } | undefined)?.annotations ?? {});
const finalizersOf = (o: JsonObject | undefined): ReadonlyArray<string> =>
  ((o?.["metadata"] as { finalizers?: ReadonlyArray<string> } | undefined)?.finalizers ?? []);

/** A TaskRun as Tekton Chains (the Go controller) left it: finished, maybe annotated, maybe still finalized. */
const goTaskRun = (name: string, options: { readonly signed?: "true" | "failed"; readonly finalized: boolean; readonly done: boolean }): JsonObject => {
  const run = plainTaskRun(name) as unknown as RunJson;
  if (options.done) completeRun("True", new Date(Date.now() - 3_600_000))(run);
  const metadata = run.metadata as Record<string, unknown>;
  if (options.signed !== undefined) {
    metadata["annotations"] = {
      ...(metadata["annotations"] as Record<string, string> | undefined),
      "chains.tekton.dev/signed": options.signed,
      ...(options.signed === "true"
        ? { [`chains.tekton.dev/payload-taskrun-${name}`]: "eyJnbyI6dHJ1ZX0=", [`chains.tekton.dev/signature-taskrun-${name}`]: "Z28tc2lnbmF0dXJl" }
        : { "chains.tekton.dev/retries": "3" }),
    };
  }
  if (options.finalized) metadata["finalizers"] = ["chains.tekton.dev/taskrun"];
  return run as unknown as JsonObject;
};

/**
 * The Go controller's Lease, last renewed 10 minutes ago: it was killed without releasing it. Like
 * client-go, chains-ts trusts no other clock: it takes the Lease once it has seen no renewal for the
 * Lease's leaseDurationSeconds (2 s here, a shortened lease-duration so that the test does not wait
 * it out; the reference's default is 60 s).
 */
const expiredGoLease = (kind: "TaskRun" | "PipelineRun"): JsonObject => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: leaseNameFor(kind), namespace: "tekton-chains" },
  spec: {
    holderIdentity: GO_IDENTITY,
    leaseDurationSeconds: 2,
    acquireTime: microTime(new Date(Date.now() - 86_400_000)),
    renewTime: microTime(new Date(Date.now() - 600_000)),
    leaseTransitions: 3,
  },
});

// The switch-over from a Tekton Chains install, with the real kubectl and the real CLI on the API
// emulator. With CI=true a missing kubectl fails (in beforeAll) instead of skipping.
describe.skipIf(binary === undefined && !ci)("switching from Tekton Chains to chains-ts", () => {
  let emu: KubeApiEmulator;
  let dir: string;
  let kubeconfig: string;
  let kubectl: Kubectl;
  let controller: ChildProcess | undefined;

  beforeAll(async () => {
    if (binary === undefined) throw new Error("kubectl is not on PATH; with CI=true the switch-over test must run");
    emu = await startKubeApiEmulator({ bookmarkIntervalMs: 200 });
    dir = await mkdtemp(join(tmpdir(), "chains-switchover-"));
    kubeconfig = await emu.writeKubeconfig(dir);
    kubectl = kubectlFor(binary, kubeconfig, join(dir, "cache"));
  });
  afterAll(async () => {
    if (controller !== undefined && controller.exitCode === null && controller.signalCode === null) controller.kill("SIGKILL");
    await emu?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const ok = async (args: readonly string[], stdin?: string): Promise<string> => {
    const result = await kubectl.run(args, stdin);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${String(result.code)}): ${result.stderr}`);
    return result.stdout;
  };
  const rbacObjects = (): ReadonlyArray<{ kind: string; name: string; body: JsonObject }> =>
    RBAC_TYPES.flatMap((type) =>
      emu.store.list(type).map((o) => ({ kind: RBAC_KINDS[type], name: String((o["metadata"] as JsonObject)["name"]), body: o })),
    );
  const releaseRbac = () => parseManifests(readDeployFile("release.yaml"), "release.yaml").filter((m) => Object.values(RBAC_KINDS).includes(m.kind));

  it("kubectl apply --dry-run=server accepts deploy/release.yaml and changes nothing", async () => {
    await ok(["apply", "-f", REFERENCE_INSTALL]);
    const before = JSON.stringify(rbacObjects());
    const out = await ok(["apply", "--dry-run=server", "-f", join(deployDir, "release.yaml")]);
    expect(out).toContain("deployment.apps/tekton-chains-controller created (server dry run)");
    expect(emu.requestLog.writes({ method: "POST" }).some((w) => w.query["dryRun"] === "All")).toBe(true);
    expect(emu.store.get("deployments", "tekton-chains", "tekton-chains-controller")).toBeUndefined();
    expect(JSON.stringify(rbacObjects())).toBe(before);
  });

  it("kubectl apply replaces Tekton Chains' RBAC objects instead of adding to them", async () => {
    const saved = JSON.parse(await ok(["-n", "tekton-chains", "get", "configmap", "chains-config", "-o", "json"])) as { data: Record<string, string> };
    await ok(["apply", "-f", join(deployDir, "release.yaml")]);
    // Every RBAC object in the cluster is one of the release's, with the release's rules and roleRefs:
    // the reference's broad rules are gone and no role of the reference is left behind.
    const inCluster = rbacObjects();
    const wanted = releaseRbac();
    expect(inCluster.map((o) => `${o.kind}/${o.name}`).sort()).toEqual(wanted.map((m) => `${m.kind}/${m.metadata.name}`).sort());
    for (const manifest of wanted) {
      const live = inCluster.find((o) => o.kind === manifest.kind && o.name === manifest.metadata.name)!.body;
      expect({ name: manifest.metadata.name, rules: live["rules"], roleRef: live["roleRef"], subjects: live["subjects"] }).toEqual({
        name: manifest.metadata.name,
        rules: manifest["rules"],
        roleRef: manifest["roleRef"],
        subjects: manifest["subjects"],
      });
    }
    // The release's chains-config has no data, so a 3-way apply drops what the last apply set there:
    // README's switch-over steps save the data first and patch it back.
    expect(emu.store.get("configmaps", "tekton-chains", "chains-config")?.["data"] ?? {}).not.toHaveProperty("builder.id");
    await writeFile(join(dir, "chains-config-data.json"), JSON.stringify({ data: saved.data }));
    await ok(["-n", "tekton-chains", "patch", "configmap", "chains-config", "--type", "merge", "--patch-file", join(dir, "chains-config-data.json")]);
    expect(emu.store.get("configmaps", "tekton-chains", "chains-config")?.["data"]).toEqual(saved.data);
  });

  it("re-signs nothing Tekton Chains signed or failed, signs what it left, and honours config-logging and the observability ConfigMap", async () => {
    // What the Go controller leaves once scaled to 0.
    emu.store.seed(goTaskRun("go-signed", { signed: "true", finalized: true, done: true }));
    emu.store.seed(goTaskRun("go-signed-released", { signed: "true", finalized: false, done: true }));
    emu.store.seed(goTaskRun("go-failed", { signed: "failed", finalized: true, done: true }));
    emu.store.seed(goTaskRun("go-unsigned", { finalized: true, done: true }));
    emu.store.seed(goTaskRun("go-unsigned-unfinalized", { finalized: false, done: true }));
    emu.store.seed(goTaskRun("go-running", { finalized: true, done: false }));
    emu.store.seed(goTaskRun("go-signed-deleting", { signed: "true", finalized: true, done: true }));
    emu.store.modify("taskruns", "default", "go-signed-deleting", (o) => {
      (o["metadata"] as Record<string, unknown>)["deletionTimestamp"] = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    });
    for (const kind of ["TaskRun", "PipelineRun"] as const) emu.store.seed(expiredGoLease(kind));
    const untouched = ["go-signed", "go-signed-released", "go-failed"];
    const before = Object.fromEntries(untouched.map((name) => [name, JSON.stringify(emu.store.get("taskruns", "default", name))]));
    // The user's edits to Tekton Chains' logging and observability ConfigMaps, as kubectl sends them.
    await ok(["-n", "tekton-chains", "patch", "configmap", "config-logging", "--type", "merge", "-p", '{"data":{"loglevel.controller":"warn"}}']);
    await ok(["-n", "tekton-chains", "patch", "configmap", "tekton-chains-config-observability", "--type", "merge", "-p", '{"data":{"metrics-protocol":"grpc"}}']);

    const secrets = join(dir, "secrets");
    await mkdir(secrets, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await writeFile(join(secrets, "x509.pem"), privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    emu.requestLog.clear();
    let stdout = "";
    const started = spawn(CLI, ["controller", "--health-port", "0", "--metrics-port", "0", "--kubeconfig", kubeconfig, "--signing-secrets", secrets], {
      env: { ...process.env, SYSTEM_NAMESPACE: "tekton-chains", KUBECONFIG: "", POD_NAME: "tekton-chains-controller-ts", POD_UID: "1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    controller = started;
    started.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => started.on("exit", (code) => resolve(code)));

    const signed = (name: string) => annotationsOf(emu.store.get("taskruns", "default", name))["chains.tekton.dev/signed"] === "true";
    // The Go controller's Leases ran out: taken once no renewal was seen for their duration.
    await until(
      () => (["TaskRun", "PipelineRun"] as const).every((kind) => (emu.store.get("leases", "tekton-chains", leaseNameFor(kind))?.["spec"] as { holderIdentity?: string } | undefined)?.holderIdentity === "tekton-chains-controller-ts_1"),
      "the Leases taken over from the Go identity",
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; controller output: ${stdout}`);
    });
    await until(() => signed("go-unsigned") && signed("go-unsigned-unfinalized"), "the runs Tekton Chains left unsigned, signed", 30_000);
    await until(() => emu.store.get("taskruns", "default", "go-signed-deleting") === undefined, "the deleted signed run let go", 30_000);
    emu.store.modify("taskruns", "default", "go-running", (o) => completeRun("True", new Date())(o as unknown as RunJson));
    await until(() => signed("go-running"), "the run that was running, signed when it completes", 30_000);
    await until(() => finalizersOf(emu.store.get("taskruns", "default", "go-running")).length === 0, "its finalizer released", 30_000);

    // Nothing Tekton Chains finished was written: not its annotations, not (on the start-up list) its finalizer.
    for (const name of untouched) {
      expect({ name, writes: emu.requestLog.writes({ resource: "taskruns", name }).length }).toEqual({ name, writes: 0 });
      expect(JSON.stringify(emu.store.get("taskruns", "default", name))).toBe(before[name]);
    }
    // The deleted one got exactly the finalizer removal, no annotation.
    const releaseWrites = emu.requestLog.writes({ resource: "taskruns", name: "go-signed-deleting" });
    expect(releaseWrites.length).toBeGreaterThan(0);
    for (const write of releaseWrites) expect(write.body ?? "").not.toContain("chains.tekton.dev/signed");

    // Signed by us: the DSSE envelope verifies with openssl, over a statement carrying the builder.id
    // the user's chains-config (saved and patched back above) sets.
    for (const name of ["go-unsigned", "go-unsigned-unfinalized", "go-running"]) {
      const run = emu.store.get("taskruns", "default", name)!;
      const uid = String((run["metadata"] as JsonObject)["uid"]);
      const envelope = JSON.parse(Buffer.from(annotationsOf(run)[`chains.tekton.dev/signature-taskrun-${uid}`] ?? "", "base64").toString("utf8")) as {
        payloadType: string;
        payload: string;
        signatures: Array<{ sig: string }>;
      };
      const statement = Buffer.from(envelope.payload, "base64");
      expect(
        opensslVerifies({
          publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
          scheme: "ecdsa-sha256",
          data: preAuthEncoding(envelope.payloadType, statement),
          signature: Buffer.from(envelope.signatures[0]!.sig, "base64"),
        }),
      ).toBe(true);
      expect(JSON.parse(statement.toString("utf8")).predicate.builder.id).toBe("https://ci.example.com/builder");
    }

    // A live change to a run Tekton Chains signed and left finalized: only its finalizer goes.
    emu.store.modify("taskruns", "default", "go-signed", (o) => {
      (o["metadata"] as Record<string, unknown>)["labels"] = { touched: "yes" };
    });
    await until(() => finalizersOf(emu.store.get("taskruns", "default", "go-signed")).length === 0, "the finished run's finalizer released on a live change", 30_000);
    expect(annotationsOf(emu.store.get("taskruns", "default", "go-signed"))).toEqual(JSON.parse(before["go-signed"]!).metadata.annotations);

    started.kill("SIGTERM");
    expect(await exited).toBe(0);
    const lines = stdout.trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
    // loglevel.controller: warn leaves only warnings (and worse); metrics-protocol grpc is named.
    expect(lines.filter((l) => /^info$/i.test(String(l["level"] ?? l["logLevel"])))).toEqual([]);
    expect(lines.some((l) => String(l["message"]).includes("metrics-protocol") && String(l["message"]).includes('"grpc"'))).toBe(true);
    expect(await readFile(join(deployDir, "release.yaml"), "utf8")).toContain("name: config-logging");
  }, 150_000);
});
