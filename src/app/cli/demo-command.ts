import { mkdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import { Effect, Option, Result } from "effect";
import { readSigningSecretsDirectory } from "../../adapters/files/signing-secrets-directory.ts";
import { configDataFromDocument } from "../../domain/config/config-document.ts";
import { parseChainsConfig } from "../../domain/config/parse-chains-config.ts";
import { runDemo } from "../demo/demo-run.ts";
import type { CliCommand } from "./command.ts";
import { demoHelp } from "./demo-command-help.ts";
import { readDocument } from "./read-document.ts";

const help = demoHelp.help;

export const demoCommand: CliCommand = {
  ...demoHelp,
  run: async (argv) => {
    let values: { out?: string; config?: string; "signing-secrets"?: string };
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: { out: { type: "string" }, config: { type: "string" }, "signing-secrets": { type: "string" } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      process.stderr.write(`chains-ts demo: ${error instanceof Error ? error.message : String(error)}\n\n${help}\n`);
      return 2;
    }
    let config: Record<string, string> | undefined;
    if (values.config !== undefined) {
      let document: unknown;
      try {
        document = await readDocument(values.config);
      } catch (error) {
        process.stderr.write(`chains-ts demo: ${error instanceof Error ? error.message : String(error)}\n`);
        return 2;
      }
      const data = configDataFromDocument(document);
      const invalid = Result.isFailure(data) ? data.failure : Result.getFailure(parseChainsConfig(data.success)).pipe(Option.getOrUndefined);
      if (invalid !== undefined || Result.isFailure(data)) {
        process.stderr.write(`chains-ts demo: ${values.config}: ${invalid?.message}\n`);
        return 2;
      }
      config = data.success;
    }
    let signingSecrets: ReadonlyMap<string, Uint8Array> | undefined;
    if (values["signing-secrets"] !== undefined) {
      const read = await Effect.runPromise(Effect.result(readSigningSecretsDirectory(values["signing-secrets"])));
      if (Result.isFailure(read)) {
        process.stderr.write(`chains-ts demo: --signing-secrets ${read.failure.directory}: ${read.failure.reason}\n`);
        return 2;
      }
      signingSecrets = read.success.files;
    }
    const outDir = values.out ?? "chains-demo-out";
    try {
      await mkdir(outDir, { recursive: true });
    } catch (error) {
      process.stderr.write(`chains-ts demo: --out ${outDir}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
    const print = (line: string) => process.stdout.write(line + "\n");
    const { outcomes } = await runDemo({
      outDir,
      ...(config === undefined ? {} : { config }),
      ...(signingSecrets === undefined ? {} : { signingSecrets }),
      print,
    });
    const failed = outcomes.flatMap((o) => (o.signed === "failed" ? [o] : []));
    for (const { ref, reason } of failed)
      process.stderr.write(`chains-ts demo: ${ref.kind} ${ref.namespace}/${ref.name} was not signed: ${reason}\n`);
    return failed.length === 0 ? 0 : 1;
  },
};
