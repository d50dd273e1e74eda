import { describe, expect, it } from "vitest";
import { describePlanned, describeSigned } from "../../src/app/repl/step-report.ts";
import type { PlannedArtifact, SignedArtifact } from "../../src/domain/signing-pass/signing-artifacts.ts";

const planned = (signer: PlannedArtifact["signer"]): PlannedArtifact => ({
  id: "taskrun:taskrun-u1",
  artifact: "taskrun",
  shortKey: "taskrun-u1",
  fullKey: "tekton.dev-v1-TaskRun-u1",
  format: "in-toto",
  payload: "{}",
  dsse: true,
  signer,
  storage: ["tekton"],
});
const signed = (signer: PlannedArtifact["signer"], signature: string): SignedArtifact => ({
  ...planned(signer),
  signature: new TextEncoder().encode(signature),
  publicKeyPem: "",
  keyId: "",
  certificatePem: "",
  chainPem: "",
});

describe("the REPL describes what each signer produced", () => {
  it("a PGP signer signs the payload itself: no DSSE envelope is claimed", () => {
    expect(describePlanned(planned("pgp"))).not.toContain("DSSE");
    const armored = "-----BEGIN PGP SIGNATURE-----\n\nwnUEARYKAB0WIQ\n-----END PGP SIGNATURE-----\n";
    const described = describeSigned(signed("pgp", armored));
    expect(described).toContain("PGP signature");
    expect(described).not.toContain("DSSE");
  });

  it("an x509 signer's in-toto artifact is a DSSE envelope", () => {
    expect(describePlanned(planned("x509"))).toContain("in a DSSE envelope");
    expect(describeSigned(signed("x509", '{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AQ=="}]}'))).toContain("DSSE envelope");
  });
});
