import type { CommandHelp } from "./command.ts";

/** `chains-ts demo`: its listing line and help, apart from its code so that showing them loads none of it. */
export const demoHelp: CommandHelp = {
  name: "demo",
  summary: "sign sample runs on an embedded in-memory cluster (what 'npm start' runs)",
  help: `Usage: chains-ts demo [--out DIR] [--config FILE] [--signing-secrets DIR]

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
or invalid --config, an unreadable --signing-secrets, an --out that cannot be created).`,
};
