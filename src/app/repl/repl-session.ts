import { Effect, Layer, Result } from "effect";
import { readSigningSecretsDirectory } from "../../adapters/files/signing-secrets-directory.ts";
import { InMemoryArtifactStore } from "../../adapters/memory/in-memory-artifact-store.ts";
import { completeRun } from "../../adapters/memory/run-completion-mutation.ts";
import { refOfJson, type RunJson } from "../../adapters/memory/run-json.ts";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import { configDataFromDocument } from "../../domain/config/config-document.ts";
import { defaultChainsConfig, parseChainsConfig } from "../../domain/config/parse-chains-config.ts";
import { observeRun } from "../../domain/lifecycle/run-observation.ts";
import { decodeRunObject } from "../../domain/run/run-object.ts";
import { runKey, type RunRef } from "../../domain/run/run-ref.ts";
import { type ControllerRuntime, makeControllerRuntime } from "../composition/controller-runtime.ts";
import { ConfigInForce } from "../composition/controller-config.ts";
import { inMemoryEnvironment, inMemoryParts, partsLayer, passLayer } from "../composition/layers.ts";
import { defaultControllerOptions } from "../controller/run-controller.ts";
import { readDocument } from "../cli/read-document.ts";
import { makeLifecycleSteps } from "../lifecycle/lifecycle-steps-on-ports.ts";
import { resumePointOf } from "../../domain/lifecycle/run-lifecycle-machine.ts";
import { LifecycleStepper, stateName, type Transition } from "./lifecycle-stepper.ts";
import { FAULTY_PORTS, faultedOperation, PortFaults } from "./port-faults.ts";
import { fail } from "./repl-error.ts";
import { eligibility } from "./run-eligibility.ts";
import { annotationLines, configLines, envelopeLines, payloadLines, storeLines } from "./run-inspection.ts";
import { SideEffects } from "./side-effects.ts";
import { describeTransition } from "./step-report.ts";
import { generateThrowawayKey } from "./throwaway-key.ts";

/** `run` stops after this many transitions: a full retry cycle to `failed` takes about 25. */
const MAX_RUN_TRANSITIONS = 200;

type KeySource =
  | { readonly _tag: "Throwaway"; readonly publicKeyPem: string }
  | { readonly _tag: "Directory"; readonly directory: string; readonly names: ReadonlyArray<string> };

const describeRun = (run: RunJson): string => `${run.kind} ${run.metadata.namespace}/${run.metadata.name}`;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Checks a loaded document is a run the in-memory cluster can hold; the message names the file. */
const asRunJson = (path: string, document: unknown): RunJson => {
  if (!isRecord(document)) return fail(`${path}: expected a TaskRun or PipelineRun object`);
  const { kind, metadata } = document;
  if (kind !== "TaskRun" && kind !== "PipelineRun")
    return fail(`${path}: kind is ${JSON.stringify(kind)}; expected TaskRun or PipelineRun`);
  if (!isRecord(metadata) || typeof metadata["name"] !== "string" || typeof metadata["namespace"] !== "string")
    return fail(`${path}: a run needs metadata.name and metadata.namespace (as 'kubectl get -o yaml' prints them)`);
  return document as RunJson;
};

const childNames = (run: RunJson | undefined): ReadonlyArray<string> => {
  const status = run?.["status"];
  const references = isRecord(status) && Array.isArray(status["childReferences"]) ? status["childReferences"] : [];
  return references.flatMap((reference) => (isRecord(reference) && typeof reference["name"] === "string" ? [reference["name"]] : []));
};

/**
 * A debugging session: the controller's lifecycle statechart and step implementations over the
 * in-memory cluster, stores and transparency log, driven one transition at a time. Commands
 * print through `print`; a command that cannot be done throws `ReplCommandFailed`.
 */
export class ReplSession {
  readonly #print: (line: string) => void;
  /** An in-memory stand-in for the registry, as in the demo and the harness. */
  readonly #oci = new InMemoryArtifactStore("oci");
  readonly #environment = inMemoryEnvironment({ stores: [this.#oci] });
  readonly #cluster = this.#environment.cluster;
  readonly #tlog = this.#environment.transparencyLog;
  readonly #faults = new PortFaults();
  readonly #effects: SideEffects;
  readonly #runtime: ControllerRuntime;
  readonly #stepper: LifecycleStepper;
  #configData: Readonly<Record<string, string>> = {};
  #config: ChainsConfig = defaultChainsConfig;
  #keys: KeySource;
  #secretNames: ReadonlyArray<string> = [];
  #loaded: Array<RunRef> = [];
  #inspected: RunRef | undefined;

  constructor(print: (line: string) => void) {
    this.#print = print;
    this.#effects = new SideEffects(this.#cluster, [this.#oci], this.#tlog);
    this.#runtime = makeControllerRuntime(
      passLayer(partsLayer(inMemoryParts(this.#environment, { logs: "silent" }))).pipe(Layer.provide(Layer.succeed(ConfigInForce, () => this.#config))),
    );
    const view = {
      run: (ref: RunRef) => {
        const json = this.#cluster.getRun(ref);
        const decoded = json === undefined ? undefined : decodeRunObject(json);
        return decoded !== undefined && Result.isSuccess(decoded) ? decoded.success : undefined;
      },
      config: () => this.#config,
    };
    this.#stepper = new LifecycleStepper(makeLifecycleSteps(view, this.#faults.decorate(this.#runtime)), {
      get: () => (this.#inspected === undefined ? undefined : this.#cluster.getRun(this.#inspected)),
      restore: (saved) =>
        this.#cluster.updateRun(refOfJson(saved), (run) => {
          if (saved.metadata.annotations === undefined) delete run.metadata.annotations;
          else run.metadata.annotations = { ...saved.metadata.annotations };
          if (saved.metadata.finalizers === undefined) delete run.metadata.finalizers;
          else run.metadata.finalizers = [...saved.metadata.finalizers];
        }),
    });
    const key = generateThrowawayKey();
    this.#setSecrets(new Map([["x509.pem", new TextEncoder().encode(key.privateKeyPem)]]));
    this.#keys = { _tag: "Throwaway", publicKeyPem: key.publicKeyPem };
  }

  /** Prints lines that are not about the session's state (help, for instance). */
  tell(lines: ReadonlyArray<string>): void {
    for (const line of lines) this.#print(line);
  }

  /** Says which key signs, once, when the session starts. */
  greet(): void {
    this.#print("signing-secrets: x509.pem is a THROWAWAY ECDSA P-256 key generated for this session ('keys DIR' to use yours)");
  }

  async dispose(): Promise<void> {
    this.#stepper.reset();
    await this.#runtime.dispose();
  }

  // ── runs ──────────────────────────────────────────────────────────────────────────────────

  async load(path: string): Promise<void> {
    let document: unknown;
    try {
      document = await readDocument(path);
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
    const run = asRunJson(path, document);
    const ref = refOfJson(run);
    const existing = this.#cluster.getRun(ref);
    if (existing === undefined) {
      this.#cluster.createRun(run);
      this.#loaded.push(ref);
    } else {
      if (run.metadata.uid !== undefined && run.metadata.uid !== existing.metadata.uid)
        fail(`${runKey(ref)} is already loaded with uid ${existing.metadata.uid}; this file has uid ${run.metadata.uid}`);
      this.#cluster.updateRun(ref, (current) => {
        for (const key of Object.keys(current)) delete current[key];
        Object.assign(current, structuredClone(run));
        current.metadata.uid = existing.metadata.uid;
      });
    }
    const stored = this.#cluster.getRun(ref)!;
    const parent = this.#inspected === undefined ? undefined : this.#cluster.getRun(this.#inspected);
    const isChild =
      run.kind === "TaskRun" &&
      parent?.kind === "PipelineRun" &&
      parent.metadata.namespace === run.metadata.namespace &&
      childNames(parent).includes(run.metadata.name);
    this.#print(`loaded ${describeRun(stored)} (uid ${stored.metadata.uid})${isChild ? `, a child of ${describeRun(parent!)}` : ""}`);
    if (isChild) {
      this.#notifyParent();
      return;
    }
    this.#inspect(ref);
  }

  use(name: string): void {
    const ref = this.#loaded.find((r) => r.name === name || runKey(r) === name) ?? fail(`no loaded run is named ${name}; 'runs' lists them`);
    this.#inspect(ref);
  }

  runs(): void {
    if (this.#loaded.length === 0) return this.#print("no runs loaded ('load FILE')");
    for (const ref of this.#loaded) {
      const run = this.#cluster.getRun(ref);
      const verdict = run === undefined ? "gone" : eligibility(run, this.#config);
      const status = typeof verdict === "string" ? verdict : verdict._tag === "Eligible" ? "would be signed" : `not signed: ${verdict.why}`;
      this.#print(`${runKey(ref) === this.#inspectedKey() ? "*" : " "} ${runKey(ref)}: ${status}`);
    }
  }

  /** Finishes a loaded run as Tekton Pipelines would (Succeeded condition and completionTime). */
  complete(args: ReadonlyArray<string>): void {
    const outcomes = ["succeeded", "failed"];
    const name = args.find((a) => !outcomes.includes(a));
    const outcome = args.find((a) => outcomes.includes(a)) ?? "succeeded";
    const ref = name === undefined ? this.#requireInspected() : (this.#loaded.find((r) => r.name === name || runKey(r) === name) ?? fail(`no loaded run is named ${name}`));
    this.#cluster.updateRun(ref, completeRun(outcome === "succeeded" ? "True" : "False", new Date()));
    this.#print(`${runKey(ref)} completed: Succeeded=${outcome === "succeeded" ? "True" : "False"}`);
    if (runKey(ref) !== this.#inspectedKey()) this.#notifyParent();
  }

  // ── config and keys ──────────────────────────────────────────────────────────────────────

  async config(path: string | undefined): Promise<void> {
    if (path !== undefined) {
      let document: unknown;
      try {
        document = await readDocument(path);
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error));
      }
      const data = configDataFromDocument(document);
      if (Result.isFailure(data)) return fail(`${path}: ${data.failure.message}; the previous config is kept`);
      this.#applyConfig(data.success);
    }
    for (const line of configLines(this.#configData, this.#config)) this.#print(line);
  }

  set(key: string, value: string): void {
    const before = this.#config;
    this.#applyConfig({ ...this.#configData, [key]: value });
    this.#print(`${key} = ${JSON.stringify(value)}`);
    if (JSON.stringify(before) === JSON.stringify(this.#config))
      this.#print(`note: the parsed config did not change (already the value in force, or a key chains-ts does not read)`);
  }

  unset(key: string): void {
    if (!Object.hasOwn(this.#configData, key)) fail(`${key} is not set; 'config' lists the keys set`);
    const { [key]: _removed, ...rest } = this.#configData;
    this.#applyConfig(rest);
    this.#print(`${key} unset (back to its default)`);
  }

  async keys(directory: string | undefined): Promise<void> {
    if (directory !== undefined) {
      const read = await Effect.runPromise(Effect.result(readSigningSecretsDirectory(directory)));
      if (Result.isFailure(read)) return fail(`keys ${read.failure.directory}: ${read.failure.reason}; the previous keys are kept`);
      if (read.success.files.size === 0) return fail(`keys ${directory}: the directory holds no files; the previous keys are kept`);
      this.#setSecrets(read.success.files);
      this.#keys = { _tag: "Directory", directory, names: [...read.success.files.keys()] };
    }
    const keys = this.#keys;
    if (keys._tag === "Throwaway") {
      this.#print("signing-secrets: x509.pem = THROWAWAY ECDSA P-256 key generated for this session; public key:");
      for (const line of keys.publicKeyPem.trimEnd().split("\n")) this.#print(line);
    } else this.#print(`signing-secrets from ${keys.directory}: ${keys.names.join(", ")}`);
  }

  // ── the statechart ───────────────────────────────────────────────────────────────────────

  async step(): Promise<void> {
    const ref = this.#requireInspected();
    const mark = this.#effects.mark();
    let transition: Transition;
    if (this.#stepper.started) transition = await this.#stepper.step();
    else {
      const run = this.#cluster.getRun(ref) ?? fail(`${runKey(ref)} is not in the cluster`);
      const verdict = eligibility(run, this.#config);
      if (verdict._tag === "NotEligible") return fail(`${runKey(ref)} would not be signed: ${verdict.why}`);
      transition = this.#stepper.start({
        ref,
        uid: verdict.run.metadata.uid,
        observation: observeRun(verdict.run, "live"),
        timing: defaultControllerOptions.timing,
      });
    }
    this.#report(transition, this.#effects.since(mark));
  }

  async run(): Promise<void> {
    for (let count = 0; !this.#stepper.started || this.#stepper.snapshot?.status === "active"; count++) {
      if (count >= MAX_RUN_TRANSITIONS) fail(`still not final after ${MAX_RUN_TRANSITIONS} transitions`);
      await this.step();
    }
  }

  back(): void {
    const snapshot = this.#stepper.back();
    this.#print(
      snapshot === undefined
        ? "back to before the actor started"
        : `back to ${stateName(snapshot)} (the actor's snapshot, and the run's annotations and finalizers in the cluster)`,
    );
  }

  fail(portName: string, times: number): void {
    const port = FAULTY_PORTS.find((p) => p === portName) ?? fail(`unknown port ${JSON.stringify(portName)}; one of ${FAULTY_PORTS.join(", ")}`);
    const armed = this.#faults.arm(port, times);
    this.#print(`fail ${port}: ${faultedOperation[port]} will fail (${armed} armed)`);
    if (port === "tlog" && this.#config.transparency.mode === "off")
      this.#print("note: transparency.enabled is off, so passes upload nothing ('set transparency.enabled true')");
  }

  // ── inspection ───────────────────────────────────────────────────────────────────────────

  state(): void {
    const ref = this.#requireInspected();
    const run = this.#cluster.getRun(ref);
    this.#print(`${runKey(ref)} (uid ${run?.metadata.uid ?? "?"})`);
    const snapshot = this.#stepper.snapshot;
    if (snapshot === undefined) {
      const verdict = run === undefined ? undefined : eligibility(run, this.#config);
      this.#print(
        verdict?._tag === "Eligible"
          ? `state: no actor yet; it would be signed ('step' starts the actor, failed passes so far: ${verdict.failedPasses})`
          : `state: no actor; it would not be signed: ${verdict?.why ?? "the run is gone"}`,
      );
    } else {
      const { context } = snapshot;
      this.#print(`state: ${stateName(snapshot)}${snapshot.status === "done" ? " (final)" : ""}`);
      this.#print(
        `failed passes: ${context.failedPasses}, resumes at: ${resumePointOf(snapshot)}${context.observation.deleting ? ", run being deleted" : ""}`,
      );
      if (context.lastError !== undefined) this.#print(`last error: ${context.lastError}`);
      if (snapshot.status === "active") this.#print(`next step: ${this.#nextStep(stateName(snapshot))}`);
    }
    const armed = FAULTY_PORTS.filter((p) => this.#faults.pending(p) > 0).map((p) => `${p} ×${this.#faults.pending(p)}`);
    if (armed.length > 0) this.#print(`armed failures: ${armed.join(", ")}`);
    this.#print(`history: ${this.#stepper.depth} transition(s) to go back through`);
  }

  payload(): void {
    this.#requireInspected();
    for (const line of payloadLines(this.#stepper.snapshot)) this.#print(line);
  }

  envelope(): void {
    this.#requireInspected();
    for (const line of envelopeLines(this.#stepper.snapshot)) this.#print(line);
  }

  annotations(): void {
    const ref = this.#requireInspected();
    for (const line of annotationLines(this.#cluster.getRun(ref), this.#stepper.snapshot)) this.#print(line);
  }

  stores(): void {
    const ref = this.#requireInspected();
    for (const line of storeLines(this.#stepper.snapshot, this.#effects.heldFor(ref))) this.#print(line);
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────

  #inspect(ref: RunRef): void {
    this.#stepper.reset();
    this.#inspected = ref;
    const run = this.#cluster.getRun(ref)!;
    const verdict = eligibility(run, this.#config);
    this.#print(`inspecting ${runKey(ref)}: ${verdict._tag === "Eligible" ? "it would be signed; 'step' starts its lifecycle" : `it would not be signed: ${verdict.why}`}`);
    const missing = childNames(run).filter(
      (name) => this.#cluster.getRun({ kind: "TaskRun", namespace: ref.namespace, name }) === undefined,
    );
    if (missing.length > 0) this.#print(`child TaskRuns not loaded yet: ${missing.join(", ")} ('load' each, or the pass waits for them)`);
  }

  /** Tells the waiting PipelineRun's actor a child changed, as the controller does. */
  #notifyParent(): void {
    const mark = this.#effects.mark();
    const transition = this.#stepper.childrenChanged();
    if (transition !== undefined) this.#report(transition, this.#effects.since(mark));
  }

  #report(transition: Transition, effects: ReadonlyArray<string>): void {
    for (const line of describeTransition(transition, effects)) this.#print(line);
  }

  #nextStep(state: string): string {
    if (state === "queued") return "RESUME, as a free worker sends it";
    if (state === "retrying") return "the retry delay elapses";
    if (state === "awaitingChildren") return "the child wait elapses (or 'load'/'complete' a child)";
    const held = this.#stepper.heldStep;
    return held === undefined ? `${state}'s step starts` : `${held.step} runs`;
  }

  #applyConfig(data: Readonly<Record<string, string>>): void {
    const parsed = parseChainsConfig(data);
    if (Result.isFailure(parsed)) return fail(`${parsed.failure.message}; the previous config is kept`);
    this.#configData = data;
    this.#config = parsed.success.config;
    this.#cluster.setConfig(data);
    for (const warning of parsed.success.warnings) this.#print(`config warning: ${warning}`);
  }

  #setSecrets(files: ReadonlyMap<string, Uint8Array>): void {
    for (const name of this.#secretNames) this.#cluster.deleteSecret(name);
    for (const [name, bytes] of files) this.#cluster.setSecret(name, bytes);
    this.#secretNames = [...files.keys()];
  }

  #requireInspected(): RunRef {
    return this.#inspected ?? fail("no run loaded: 'load FILE' first (a TaskRun or PipelineRun as JSON or YAML)");
  }

  #inspectedKey(): string | undefined {
    return this.#inspected === undefined ? undefined : runKey(this.#inspected);
  }
}
