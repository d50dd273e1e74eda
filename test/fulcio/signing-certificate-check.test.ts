// checkSigningCertificate on a Fulcio-shaped hierarchy made by openssl (root CA, intermediate CA,
// leaf), as a verifier meets it: the leaf stored with its chain, trust given by the root alone.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Result } from "effect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkSigningCertificate } from "../../src/adapters/signing/fulcio/certificate-trust.ts";
import { describeWithTools, openssl } from "../support/independent-verifiers.ts";

describeWithTools("openssl")("checkSigningCertificate (openssl-made root, intermediate and leaf)", () => {
  const dir = mkdtempSync(join(tmpdir(), "chains-cert-path-"));
  const path = (name: string) => join(dir, name);
  const pem = (name: string) => readFileSync(path(name), "utf8");
  let root: string;
  let intermediate: string;
  let leaf: string;
  let notCa: string;
  let leafUnderNotCa: string;

  const key = (name: string) => openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path(`${name}.key`)]);
  /** A certificate for `name` signed by `issuer`'s key, with the given extensions. */
  const issue = (name: string, issuer: string, extensions: string) => {
    key(name);
    openssl(["req", "-new", "-key", path(`${name}.key`), "-subj", `/O=test/CN=${name}`, "-out", path(`${name}.csr`)]);
    writeFileSync(path(`${name}.ext`), extensions);
    openssl([
      "x509", "-req", "-in", path(`${name}.csr`), "-CA", path(`${issuer}.pem`), "-CAkey", path(`${issuer}.key`),
      "-CAcreateserial", "-days", "1", "-extfile", path(`${name}.ext`), "-out", path(`${name}.pem`),
    ]);
    return pem(`${name}.pem`);
  };

  beforeAll(() => {
    key("root");
    openssl([
      "req", "-x509", "-new", "-key", path("root.key"), "-subj", "/O=test/CN=root", "-days", "2",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign", "-out", path("root.pem"),
    ]);
    root = pem("root.pem");
    intermediate = issue("intermediate", "root", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n");
    leaf = issue("leaf", "intermediate", "basicConstraints=critical,CA:FALSE\nsubjectAltName=email:ci@example.com\n");
    notCa = issue("not-ca", "root", "basicConstraints=critical,CA:FALSE\n");
    leafUnderNotCa = issue("leaf-under-not-ca", "not-ca", "basicConstraints=critical,CA:FALSE\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const check = (certificatePem: string, chainPem: string, at = new Date()) =>
    checkSigningCertificate({ certificatePem, chainPem, authorities: [{ uri: "test", certificatesPem: [root] }], ctLogs: undefined, at });

  it("accepts a leaf whose stored chain leads to the trusted root, as openssl does", () => {
    writeFileSync(path("chain.pem"), intermediate + root);
    expect(openssl(["verify", "-CAfile", path("root.pem"), "-untrusted", path("chain.pem"), path("leaf.pem")]).toString()).toMatch(/: OK/);
    expect(Result.isSuccess(check(leaf, intermediate + root))).toBe(true);
    expect(Result.isSuccess(check(leaf, intermediate))).toBe(true);
  });

  it("refuses a leaf without the intermediate that links it to the root", () => {
    expect(check(leaf, "")).toEqual(Result.fail(expect.stringMatching(/does not chain to a trusted certificate authority/)));
  });

  it("refuses a path through a certificate that is not a CA, as openssl does", () => {
    writeFileSync(path("bad-chain.pem"), notCa);
    expect(() => openssl(["verify", "-CAfile", path("root.pem"), "-untrusted", path("bad-chain.pem"), path("leaf-under-not-ca.pem")])).toThrow();
    expect(Result.isFailure(check(leafUnderNotCa, notCa))).toBe(true);
  });

  it("judges the leaf at the signing time: outside its validity it fails", () => {
    const later = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    expect(check(leaf, intermediate, later)).toEqual(Result.fail(expect.stringMatching(/^the certificate is valid from .* not at /)));
  });
});
