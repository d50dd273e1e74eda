import type { CommandHelp } from "./command.ts";

/** `chains-ts verify`: its listing line and help, apart from its code so that showing them loads none of it. */
export const verifyHelp: CommandHelp = {
  name: "verify",
  summary: "check the Chains signatures, Rekor entries and keyless certificates stored in a run's annotations",
  help: `Usage: chains-ts verify (--key PUBLIC-KEY | --certificate-identity ID --certificate-oidc-issuer URL)
                        [options] (RUN-FILE | taskrun/NAME | pipelinerun/NAME)

Checks the signatures Tekton Chains stored on a run's annotations (the 'tekton' storage
backend): every pair chains.tekton.dev/payload-<key> / chains.tekton.dev/signature-<key>, the
Rekor entry that logs it, and for keyless signing the Fulcio certificate in
chains.tekton.dev/cert-<key> (with its chain in chains.tekton.dev/chain-<key>).

RUN-FILE is a TaskRun or PipelineRun as JSON or YAML (e.g. 'kubectl get taskrun X -o yaml'), or
a List of them ('kubectl get taskruns -o yaml'); every object's annotations are checked.
taskrun/NAME or pipelinerun/NAME (also taskruns/, tr/, pipelineruns/, pr/) reads that run from
the cluster instead (-n, --kubeconfig); write ./taskrun/NAME for a file at such a path.

Signatures. For each pair:
  - a DSSE envelope (in-toto / SLSA provenance): the signature must verify over the DSSE PAE of
    the envelope's payload, and that payload must equal the payload annotation byte for byte.
    Envelope signatures whose non-empty keyid differs from the key's OpenSSH fingerprint are
    skipped, as cosign does.
  - otherwise a raw signature (simplesigning for OCI images) over the payload bytes.
Accepted signatures: ECDSA (SHA-256, or the curve's hash as cosign keys sign), RSA PKCS#1 v1.5
SHA-256, Ed25519 and Ed25519ph. PGP signatures are not checked here: use 'gpg --verify'.

Keyless (signers.x509.fulcio.enabled). With --certificate-identity[-regexp] and
--certificate-oidc-issuer[-regexp] (both are required, as in cosign), a signature that carries a
certificate is checked with the certificate's key; the certificate must be issued to that
identity (its subject alternative name) by that OIDC issuer, chain to a Fulcio CA of the trusted
root (or to --ca-roots) at the time Rekor logged the signature, and carry SCTs from the trusted
root's CT logs. A signature without a certificate needs --key.

Transparency (transparency.enabled). A signature's Rekor entry is the one named by
chains.tekton.dev/transparency-<key> (chains-ts writes one per signature) or, on a run with a
single signature, by chains.tekton.dev/transparency (the reference keeps only the last entry).
A named entry is fetched and verified offline against the trusted root's Rekor keys: its signed
entry timestamp, its inclusion proof, that it logs exactly this signature with this key or
certificate, and that it is the entry the annotation names. A keyless signature must have one;
a keyed signature must have one only with --require-tlog, so that runs signed with the default
configuration (transparency off) keep verifying with --key alone.

Trusted root: --trusted-root FILE, else $SIGSTORE_TRUSTED_ROOT, else the public-good Sigstore
TUF repository (cached in $TUF_ROOT, default ~/.sigstore/root). It is read only when a Rekor
entry or a certificate is to be checked.

Options:
  --key PUBLIC-KEY      PEM public key ('-----BEGIN PUBLIC KEY-----', e.g. cosign.pub), or
                        k8s://NAMESPACE/SECRET for that Secret's cosign.pub, as cosign names it
                        (e.g. k8s://tekton-chains/signing-secrets)
  --kubeconfig PATH     for k8s:// keys and taskrun/NAME: the cluster to read the Secret and
                        the run from (default: $KUBECONFIG, the pod's service account, or
                        ~/.kube/config)
  -n, --namespace NS    for taskrun/NAME: the run's namespace (default: the kubeconfig
                        context's, else default)
  --certificate-identity ID          the exact subject alternative name (URI or email) keyless
                                     certificates must carry
  --certificate-identity-regexp RE   or a regular expression that must match in it
  --certificate-oidc-issuer URL      the exact OIDC issuer keyless certificates must name
  --certificate-oidc-issuer-regexp RE  or a regular expression that must match in it
  --ca-roots PEM        trust these CA certificates for keyless signing instead of the trusted
                        root's Fulcio CAs (a private Fulcio)
  --rekor-url URL       fetch entries from this Rekor, by the log index the annotation names
                        (default: the annotation's own URL; either way the entry is trusted only
                        when it verifies against the trusted root)
  --trusted-root FILE   a sigstore trusted_root.json holding the Rekor keys, Fulcio CAs and CT logs
  --require-tlog        every signature, keyed too, must have a verified Rekor entry
  --insecure-ignore-tlog  do not check Rekor entries (keyless certificates are then judged at
                        the current time, as cosign does, so older ones fail: Fulcio
                        certificates live 10 minutes)
  --insecure-ignore-sct   do not require SCTs in keyless certificates
  -h, --help            Show this help.

Output: one line per verified signature on stdout, naming the key or the certificate (subject,
OIDC issuer, serial) and the Rekor entry (index, integrated time); one line per failure on
stderr, with the reason.
Exit status: 0 when every signature verifies, 1 when any fails or there is nothing to verify,
2 on a usage or input error (including a trusted root that cannot be read).`,
};
