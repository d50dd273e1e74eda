import { Result } from "effect";
import { parseJsonText } from "../serialization/json-text.ts";

/** What the `docdb` backend stores per object (storage.md §7), with the reference's Go field names. */
export interface DocdbRecord {
  /** Short key: `taskrun-<uid>`, `pipelinerun-<uid>` or the 12-hex image key. */
  readonly Name: string;
  /** The raw payload bytes. */
  readonly Signed: Uint8Array;
  /** Std base64 of the signature (DSSE envelope JSON, or the raw signature). */
  readonly Signature: string;
  readonly Cert: string;
  readonly Chain: string;
  /** The payload parsed as JSON: a nested document. */
  readonly Object: unknown;
}

export const docdbRecordFields: ReadonlyArray<keyof DocdbRecord> = ["Name", "Signed", "Signature", "Cert", "Chain", "Object"];

export const docdbRecord = (artifact: {
  readonly shortKey: string;
  readonly payload: string;
  readonly signature: Uint8Array;
  readonly certificatePem: string;
  readonly chainPem: string;
}): Result.Result<DocdbRecord, string> => {
  let object: unknown;
  try {
    object = parseJsonText(artifact.payload);
  } catch (error) {
    return Result.fail(`the payload is not JSON, so it cannot be stored as the record's Object: ${String(error)}`);
  }
  return Result.succeed({
    Name: artifact.shortKey,
    Signed: new TextEncoder().encode(artifact.payload),
    Signature: Buffer.from(artifact.signature).toString("base64"),
    Cert: artifact.certificatePem,
    Chain: artifact.chainPem,
    Object: object,
  });
};

/**
 * The record field a `name_field` names. go-cloud matches field names case-insensitively (as
 * encoding/json does), which is why the documented `name_field=name` finds `Name`.
 */
export const docdbNameField = (nameField: string): keyof DocdbRecord | undefined =>
  docdbRecordFields.find((field) => field === nameField) ??
  docdbRecordFields.find((field) => field.toLowerCase() === nameField.toLowerCase());
