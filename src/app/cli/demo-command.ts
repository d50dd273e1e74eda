import { mkdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import { Effect, Option, Result } from "effect";
import { readSigningSecretsDirectory } from "../../adapters/files/signing-secrets-directory.ts";
import { configDataFromDocument } from "../../domain/config/config-document.ts";
import { parseChainsConfig } from "../../domain/config/parse-chains-config.ts";
import { runDemo } from "../demo/demo-run.ts";
import type { CliCommand } from "./command.ts";
import { readDocument } from "./read-document.ts";

const help = `Usage: chains-ts demo [--out DIR] [--config FILE] [--signing-secrets DIR]

Runs the chains-ts controller over an embedded in-memory cluster: seeds sample runs (a TaskRun
that builds an image, a TaskRun that fails, a PipelineRun with two child TaskRuns), generates an
ECDSA P-256 key into the in-memory 'signing-secrets' as x509.pem, shows each run moving through
its states until it is annotated, then writes the public key, each run's final object and the
signed files to DIR and prints how to check them with openssl and cosign.

Options:
  --out DIR        where to write the results (default: ./chains-demo-out)
  --config FILE    chains-config as a flat JSON/YAML map or a ConfigMap manifest
                   (default: the reference defaults; image signatures go to an in-memory registry)
  --signing-secrets DIR
                   sign with your keys: a directory of files named like the keys of the
                   'signing-secrets' Secret (x509.pem, or cosign.key + cosign.password, ...),
                   e.g. a mounted Secret (default: a generated throwaway ECDSA P-256 key)
  -h, --help       show this help

It prints how to check what was signed with the tool that fits the signer: openssl and cosign
for x509.pem or cosign.key, gpg for pgp.private-key (signer pgp); with signer none the payloads
are stored unsigned and there is nothing to check.

Exit status: 0 when every run was signed; 1 when any run ended chains.tekton.dev/signed=failed
(one line on stderr per run, saying why); 2 on a usage or input error (a bad flag, an unreadable
or invalid --config, an unreadable --signing-secrets, an --out that cannot be created).`;

export const demoCommand: CliCommand = {
  name: "demo",
  summary: "sign sample runs on an embedded in-memory cluster (what 'npm start' runs)",
  help,
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
