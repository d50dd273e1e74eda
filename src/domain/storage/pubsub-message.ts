/**
 * What the `pubsub` backend publishes per object (storage.md §10): the body is the signature, the
 * metadata carries the payload (std base64) and the signature again.
 */
export interface PubsubMessage {
  readonly body: Uint8Array;
  readonly metadata: { readonly payload: string; readonly signature: string };
}

export const pubsubMessage = (artifact: {
  readonly payload: string;
  readonly signature: Uint8Array;
  readonly dsse: boolean;
}): PubsubMessage => ({
  body: artifact.signature.slice(),
  metadata: {
    payload: Buffer.from(artifact.payload, "utf8").toString("base64"),
    // The reference puts the signature bytes in as a Go string. A DSSE envelope is JSON text; a raw
    // signature is binary, which a Pub/Sub attribute (UTF-8) cannot hold, so it goes in std base64.
    signature: artifact.dsse ? new TextDecoder().decode(artifact.signature) : Buffer.from(artifact.signature).toString("base64"),
  },
});
