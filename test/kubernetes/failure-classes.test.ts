import { generateKeyPairSync, verify } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { EmulatedChains, plainTaskRun } from "./emulated-chains.ts";
import { until } from "../support/until.ts";

let chains: EmulatedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

interface CoreEvent {
  readonly reason: string;
  readonly count: number;
  readonly message: string;
  readonly involvedObject: { readonly name: string };
}

const eventsOn = (c: EmulatedChains, name: string) =>
  (c.emu.store.list("events", "default") as unknown as Array<CoreEvent>).filter((e) => e.involvedObject.name === name);

describe("failure classes on the Kubernetes adapter (issue 13, item 6)", () => {
  it("fails runs at once on a key that cannot parse, and signs them again when signing-secrets changes", async () => {
    chains = await EmulatedChains.create();
    chains.emu.store.modify("secrets", "tekton-chains", "signing-secrets", (o) => {
      o["data"] = { "x509.pem": Buffer.from("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").toString("base64") };
    });
    await chains.startController();
    const names = ["bad-key-a", "bad-key-b"];
    for (const name of names) {
      chains.emu.store.seed(plainTaskRun(name));
      chains.complete("taskruns", name);
    }
    for (const name of names) expect(await chains.awaitSigned("taskruns", name)).toBe("failed");
    for (const name of names) {
      expect(chains.annotations("taskruns", name)["chains.tekton.dev/retries"]).toBeUndefined();
      expect(eventsOn(chains, name).map((e) => [e.reason, e.count])).toEqual([["SigningFailed", 1]]);
      expect(eventsOn(chains, name)[0]?.message).toContain("x509.pem");
    }

    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    chains.emu.store.modify("secrets", "tekton-chains", "signing-secrets", (o) => {
      o["data"] = { "x509.pem": Buffer.from(privateKey.export({ type: "pkcs8", format: "pem" }).toString()).toString("base64") };
    });
    for (const name of names) {
      await until(() => chains!.annotations("taskruns", name)["chains.tekton.dev/signed"] === "true", `${name} signed again`);
      expect(chains.annotations("taskruns", name)["chains.tekton.dev/failed-secrets-version"]).toBeUndefined();
      // The Event is sent after the clearing write, so it may land after the run is signed again.
      await until(() => eventsOn(chains!, name).length > 1, `${name}'s SigningRetried Event`);
      expect(eventsOn(chains, name).map((e) => e.reason).sort()).toEqual(["SigningFailed", "SigningRetried"]);
    }
    // Signed with the new key (EmulatedChains.provenanceVerifies knows only the one it generated).
    for (const name of names) {
      const uid = (chains.get("taskruns", name)!["metadata"] as { uid: string }).uid;
      const annotations = chains.annotations("taskruns", name);
      const payload = Buffer.from(annotations[`chains.tekton.dev/payload-taskrun-${uid}`]!, "base64");
      const envelope = JSON.parse(Buffer.from(annotations[`chains.tekton.dev/signature-taskrun-${uid}`]!, "base64").toString());
      expect(verify("sha256", preAuthEncoding(envelope.payloadType, payload), publicKey, Buffer.from(envelope.signatures[0].sig, "base64"))).toBe(true);
    }
  });
});
