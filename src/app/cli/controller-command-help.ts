import type { CommandHelp } from "./command.ts";

/** Where the reference mounts the signing Secret; read from there when it exists. */
export const DEFAULT_SECRETS_MOUNT = "/etc/signing-secrets";

/** `chains-ts controller`: its listing line and help, apart from its code so that showing them loads none of it. */
export const controllerHelp: CommandHelp = {
  name: "controller",
  summary: "sign runs in a Kubernetes cluster (the in-cluster controller)",
  help: `Usage: chains-ts controller [--kubeconfig PATH] [--namespace NS[,NS...]]
                            [--threads-per-controller N] [--kube-api-qps Q] [--kube-api-burst B]
                            [--signing-secrets DIR] [--trusted-root FILE] [--disable-ha]

Runs the chains-ts controller against a Kubernetes API server: watches every TaskRun and
PipelineRun (tekton.dev/v1, or v1beta1 where v1 is not served), and signs and stores the
provenance of each completed run. Reads the 'chains-config' ConfigMap (hot reloaded) in
SYSTEM_NAMESPACE. Logs are JSON lines on stdout. SIGTERM or SIGINT stops it gracefully: passes
in flight get up to 30 s to finish, and nothing is lost (the state is on the runs).

Registry credentials (oci storage) come from the run's ServiceAccount: its secrets, then its
imagePullSecrets, of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg. Then from
the controller's own: its docker config (auths, credHelpers, credsStore; a helper
docker-credential-<name>, e.g. ecr-login, acr-env or gcloud, must be on PATH), then for gcr.io,
*.gcr.io and *.pkg.dev an access token from the GCE/GKE metadata server. The first source with
a credential for the repository wins; none means anonymous.

Options:
  --kubeconfig PATH        kubeconfig to use (default: $KUBECONFIG, then the pod's service
                           account when in a cluster, then ~/.kube/config)
  --namespace NS[,NS...]   process runs only in these namespaces (spaces are ignored), with
                           one watch per namespace; default: all namespaces
  --threads-per-controller N
                           concurrent signing passes per run kind (default 2); the process
                           runs 2 x N passes at once, as the reference's two controllers do,
                           one of them kept for newly completed runs while a backlog drains
  --kube-api-qps Q         API requests per second (default: $KUBE_API_QPS, else 20); used as
                           given, not doubled. Newly completed runs' requests go first
  --kube-api-burst B       API request burst (default: $KUBE_API_BURST, else 20); the backlog
                           leaves a fifth of it to newly completed runs
  --signing-secrets DIR    read signing keys from this directory of files named like the keys
                           of the 'signing-secrets' Secret (a mounted Secret). Default:
                           ${DEFAULT_SECRETS_MOUNT} when it exists, otherwise the Secret
                           SYSTEM_NAMESPACE/signing-secrets is watched through the API
  --trusted-root FILE      a sigstore trusted_root.json holding the Rekor log key (and Fulcio
                           roots), for a private sigstore deployment. Default:
                           $SIGSTORE_TRUSTED_ROOT, else the public-good root from the sigstore
                           TUF repository (signers.x509.tuf.mirror.url), cached in $TUF_ROOT.
                           A Rekor entry is recorded only once its signed entry timestamp and
                           inclusion proof verify with this key; the log's own /publicKey is
                           only compared with it
  --disable-ha             do not take part in leader election: this replica signs every run.
                           Only for a single replica; by default replicas contend for the
                           Leases Tekton Chains uses (per run kind one per bucket, in
                           SYSTEM_NAMESPACE) and each holder signs the runs of its buckets, so
                           with buckets > 1 replicas share the work, and a standby takes over
                           the buckets of a replica that dies
  --health-port P          serve /healthz and /readyz on this port (default 8080; 0 picks one)
  --metrics-port P         serve Prometheus /metrics on this port (default 9090; 0 picks one)
  -h, --help               show this help

Environment:
  SYSTEM_NAMESPACE         where chains-config, signing-secrets and the Leases live (default
                           tekton-chains)
  CONFIG_LEADERELECTION_NAME
                           the ConfigMap with lease-duration (60s), renew-deadline (40s),
                           retry-period (10s) and buckets (1, at most 10), read at start-up
                           (default tekton-chains-config-leader-election; deploy/ ships 15s,
                           10s, 2s: a standby takes over within about 17 s of the leader's
                           death, a replica already holding k buckets 2k retry periods later)
  CONFIG_LOGGING_NAME      the ConfigMap whose loglevel.controller (else the level in
                           zap-logger-config) sets the lowest level logged, read at start-up
                           (default config-logging)
  CONFIG_OBSERVABILITY_NAME
                           Tekton Chains' metrics ConfigMap, read at start-up: anything but
                           metrics-protocol prometheus is named in a warning (default
                           tekton-chains-config-observability)
  POD_NAME, POD_UID        this replica's identity in the Leases, POD_NAME_POD_UID (the
                           Deployment sets both). It must not be shared by two live processes;
                           a restarted container finds it on the Leases and takes them
                           back immediately. Without POD_NAME: the host name and a random
                           suffix per process, so a restart waits for the lease to run out
  KUBECONFIG, KUBE_API_QPS, KUBE_API_BURST   as above
  DOCKER_CONFIG            directory of the controller's docker config.json (default
                           ~/.docker); a changed file applies without a restart
  GCE_METADATA_HOST        the metadata server's host[:port] (default metadata.google.internal)
  FIRESTORE_EMULATOR_HOST, PUBSUB_EMULATOR_HOST
                           host:port of the Firestore / Pub/Sub emulator for the docdb and
                           pubsub (gcppubsub) backends; GOOGLE_CLOUD_PROJECT is the project of a
                           short storage.pubsub.topic
  SIGSTORE_TRUSTED_ROOT    as --trusted-root
  TUF_ROOT                 the TUF cache directory (default ~/.sigstore/root)

Rekor (transparency.enabled "true", or "manual" for runs annotated
chains.tekton.dev/transparency-upload: "true"): each signature is logged at transparency.url
before it is stored; the entry is recorded on the run (chains.tekton.dev/transparency, and
chains.tekton.dev/transparency-<key> per artifact) and as a bundle in OCI signatures. A failed
upload fails the pass (Event, retry) and the retry uploads only what is missing; a run is never
marked signed without its verified entries.

Start-up: API errors while it reads discovery and its ConfigMaps (no answer, 5xx, 429, 403)
are waited out, with backoff from 0.5 s doubling up to 30 s and a WARN line per wait naming
what it waits for; /healthz answers meanwhile, /readyz only once it runs.

Exit status: 0 after a graceful stop (also when stopped while waiting at start-up); 1 when it
cannot start (unreadable kubeconfig, Tekton not installed, invalid chains-config or
leader-election ConfigMap: the message names the key); 2 for a wrong command line.`,
};
