/**
 * The real Cloud Firestore and Pub/Sub emulators of the Google Cloud SDK on 127.0.0.1, for tests.
 * Each is a JVM started through `gcloud` in its own process group (killed as a group), ready once
 * its `GET /` answers `Ok`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./oci-registry.ts";
import { until } from "./until.ts";

export type GoogleEmulator = "firestore" | "pubsub";

const components: Readonly<Record<GoogleEmulator, { readonly dir: string; readonly apt: string }>> = {
  firestore: { dir: "cloud-firestore-emulator", apt: "google-cloud-cli-firestore-emulator" },
  pubsub: { dir: "pubsub-emulator", apt: "google-cloud-cli-pubsub-emulator" },
};

const sdkRoot = (): string | undefined => {
  const result = spawnSync("gcloud", ["info", "--format=value(installation.sdk_root)"], { encoding: "utf8" });
  return result.status === 0 && result.stdout.trim() !== "" ? result.stdout.trim() : undefined;
};

/**
 * Why the emulators cannot run here, or undefined when they can. With `CI=true` a missing SDK or
 * emulator is an error (tests must fail, not skip).
 */
export const googleEmulatorsUnavailable = (...needed: ReadonlyArray<GoogleEmulator>): string | undefined => {
  const root = sdkRoot();
  const missing =
    root === undefined
      ? "gcloud (the Google Cloud SDK) is not installed"
      : needed
          .filter((name) => !existsSync(join(root, "platform", components[name].dir)))
          .map((name) => `the ${name} emulator is not installed (apt-get install ${components[name].apt})`)
          .join("; ") || undefined;
  if (missing !== undefined && process.env["CI"] === "true") throw new Error(`CI=true and ${missing}`);
  return missing;
};

export interface RunningEmulator {
  /** `127.0.0.1:<port>`: the value of FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST. */
  readonly host: string;
  readonly stop: () => Promise<void>;
}

const commands: Readonly<Record<GoogleEmulator, (hostPort: string) => ReadonlyArray<string>>> = {
  firestore: (hostPort) => ["emulators", "firestore", "start", `--host-port=${hostPort}`],
  pubsub: (hostPort) => ["beta", "emulators", "pubsub", "start", `--host-port=${hostPort}`, "--project=test"],
};

const killGroup = async (child: ChildProcess): Promise<void> => {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // The group is already gone.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
  // The JVM may outlive the gcloud wrapper by a moment; the group gets a final SIGKILL.
  signal("SIGKILL");
};

/** Starts one emulator on a free port; a JVM on two busy cores may need a minute. */
export const startGoogleEmulator = async (name: GoogleEmulator, timeoutMs = 120_000): Promise<RunningEmulator> => {
  const host = `127.0.0.1:${await freePort()}`;
  const child = spawn("gcloud", [...commands[name](host)], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  try {
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`the ${name} emulator exited (${child.exitCode}): ${output}`);
        return fetch(`http://${host}/`).then((r) => r.ok, () => false);
      },
      `the ${name} emulator to answer`,
      timeoutMs,
      250,
    );
  } catch (error) {
    await killGroup(child);
    throw new Error(`${error instanceof Error ? error.message : String(error)}; its output: ${output}`);
  }
  return { host, stop: () => killGroup(child) };
};
