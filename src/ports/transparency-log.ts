import { Context, Data, type Effect } from "effect";

export interface TransparencyUpload {
  /** The signed bytes' subject: the DSSE envelope JSON, or the raw payload for simplesigning. */
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
  readonly publicKeyPem: string;
  readonly dsse: boolean;
}

export interface TransparencyEntry {
  readonly logIndex: number;
  /** `<transparency.url>/api/v1/log/entries?logIndex=<N>` */
  readonly url: string;
}

export class TransparencyUploadFailed extends Data.TaggedError("TransparencyUploadFailed")<{
  readonly reason: string;
}> {}

export class TransparencyLog extends Context.Service<
  TransparencyLog,
  { readonly upload: (entry: TransparencyUpload) => Effect.Effect<TransparencyEntry, TransparencyUploadFailed> }
>()("chains-ts/TransparencyLog") {}
