import { Context, Data, type Effect } from "effect";
import type { VerifiedLogEntry } from "../domain/transparency/log-entry.ts";

export interface TransparencyUpload {
  /** The signed bytes' subject: the DSSE envelope JSON, or the raw payload for simplesigning. */
  readonly payload: Uint8Array;
  /** The DSSE envelope JSON, or the raw signature for simplesigning. */
  readonly signature: Uint8Array;
  readonly publicKeyPem: string;
  /** The signer's certificate PEM (keyless), or "": the entry's verifier is the certificate when there is one. */
  readonly certificatePem: string;
  readonly dsse: boolean;
}

/** An entry the log holds for the upload, verified against the trusted log key before it is returned. */
export type TransparencyEntry = VerifiedLogEntry;

export class TransparencyUploadFailed extends Data.TaggedError("TransparencyUploadFailed")<{
  readonly reason: string;
}> {}

export class TransparencyLog extends Context.Service<
  TransparencyLog,
  { readonly upload: (entry: TransparencyUpload) => Effect.Effect<TransparencyEntry, TransparencyUploadFailed> }
>()("chains-ts/TransparencyLog") {}
