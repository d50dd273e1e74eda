import { execFile, type ExecFileException } from "node:child_process";
import { Effect } from "effect";
import { dockerConfigServerKey } from "../../../domain/oci/docker-config.ts";
import { credentialsNotFoundMessage, parseCredentialHelperOutput } from "../../../domain/oci/credential-helper-output.ts";
import { anonymous, type Keychain, type RegistryCredential } from "../../../domain/oci/registry-credential.ts";
import type { AdapterLog } from "../../kubernetes/adapter-log.ts";

export interface CredentialHelperOptions {
  /** The helper's environment: PATH finds `docker-credential-<name>`; cloud helpers read their own variables. */
  readonly env: NodeJS.ProcessEnv;
  readonly log: AdapterLog;
  /** A helper that has not answered by then is killed. Default 30 s: cloud helpers call their provider's API. */
  readonly timeoutMs?: number;
}

/**
 * Credentials from a docker credential helper: `docker-credential-<name> get`, the registry's
 * docker config key on stdin, `{"ServerURL","Username","Secret"}` on stdout. This is how the ECR
 * (`ecr-login`), ACR (`acr-env`) and gcloud helpers plug in. A helper that is missing, fails, hangs
 * or answers nonsense gives anonymous and a fixed warning naming the helper, the registry and the
 * exit status. What it printed is never logged: a failing helper may still print the secret, or
 * part of a token in its error.
 */
export const credentialHelperKeychain =
  (helper: string, options: CredentialHelperOptions): Keychain =>
  (registry) =>
    Effect.promise(async (): Promise<RegistryCredential> => {
      const program = `docker-credential-${helper}`;
      const outcome = await run(program, dockerConfigServerKey(registry), options);
      const warn = (why: string) => {
        options.log("warning", `credential helper ${program} for registry ${registry}: ${why}; using no credentials from it`);
        return anonymous;
      };
      if (outcome.error === null) {
        return parseCredentialHelperOutput(outcome.stdout) ?? warn("its answer is not credential JSON");
      }
      const printed = `${outcome.stdout}\n${outcome.stderr}`;
      if (printed.includes(credentialsNotFoundMessage)) return anonymous;
      if (outcome.error.code === "ENOENT") return warn("not found on PATH");
      if (outcome.error.killed === true) return warn(`no answer within ${options.timeoutMs ?? defaultTimeoutMs} ms`);
      return warn(`exit status ${outcome.error.code ?? outcome.error.signal}`);
    });

const defaultTimeoutMs = 30_000;

interface HelperOutcome {
  readonly error: ExecFileException | null;
  readonly stdout: string;
  readonly stderr: string;
}

const run = (program: string, serverKey: string, options: CredentialHelperOptions): Promise<HelperOutcome> =>
  new Promise((resolve) => {
    const child = execFile(
      program,
      ["get"],
      { env: options.env, timeout: options.timeoutMs ?? defaultTimeoutMs, maxBuffer: 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => resolve({ error, stdout, stderr }),
    );
    // A helper that exits without reading stdin must not crash the controller with EPIPE.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(serverKey);
  });
