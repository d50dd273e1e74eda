import { Data, Exit, Result, Schema } from "effect";

/**
 * The parts of a `tekton.dev/v1` / `v1beta1` TaskRun or PipelineRun the controller acts on.
 * Decoding ignores every other field; the untouched JSON stays in `raw` for the formatters, which
 * need the full object.
 */
const OwnerReference = Schema.Struct({
  apiVersion: Schema.String,
  kind: Schema.String,
  name: Schema.String,
  uid: Schema.optional(Schema.String),
  controller: Schema.optional(Schema.Boolean),
});

const StringMap = Schema.Record(Schema.String, Schema.String);

const RunMetadata = Schema.Struct({
  name: Schema.String,
  namespace: Schema.String,
  uid: Schema.String,
  resourceVersion: Schema.optional(Schema.String),
  labels: Schema.optional(StringMap),
  annotations: Schema.optional(StringMap),
  finalizers: Schema.optional(Schema.Array(Schema.String)),
  deletionTimestamp: Schema.optional(Schema.String),
  ownerReferences: Schema.optional(Schema.Array(OwnerReference)),
});

const Condition = Schema.Struct({
  type: Schema.String,
  status: Schema.String,
  reason: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
});

const ChildReference = Schema.Struct({
  name: Schema.String,
  kind: Schema.optional(Schema.String),
  pipelineTaskName: Schema.optional(Schema.String),
});

const RunStatus = Schema.Struct({
  conditions: Schema.optional(Schema.Array(Condition)),
  startTime: Schema.optional(Schema.String),
  completionTime: Schema.optional(Schema.String),
  childReferences: Schema.optional(Schema.Array(ChildReference)),
});

const RunSpec = Schema.Struct({
  managedBy: Schema.optional(Schema.String),
  serviceAccountName: Schema.optional(Schema.String),
});

const RunObjectSchema = Schema.Struct({
  apiVersion: Schema.Literals(["tekton.dev/v1", "tekton.dev/v1beta1"]),
  kind: Schema.Literals(["TaskRun", "PipelineRun"]),
  metadata: RunMetadata,
  spec: Schema.optional(RunSpec),
  status: Schema.optional(RunStatus),
});

export type RunKind = "TaskRun" | "PipelineRun";
export type RunObjectFields = typeof RunObjectSchema.Type;

export interface RunObject extends RunObjectFields {
  /** The object exactly as received, for payload formatters. */
  readonly raw: unknown;
}

/** Something that is not a run we can act on. Carries where it came from so the log is useful. */
export class RunDecodeFailed extends Data.TaggedError("RunDecodeFailed")<{
  readonly reference: string;
  readonly reason: string;
}> {}

const decode = Schema.decodeUnknownExit(RunObjectSchema);

/** Best-effort `namespace/name` of anything object-shaped, for error messages only. */
const describe = (value: unknown): string => {
  if (typeof value !== "object" || value === null) return `<${value === null ? "null" : typeof value}>`;
  const metadata = (value as { metadata?: unknown }).metadata;
  if (typeof metadata !== "object" || metadata === null) return "<object without metadata>";
  const { namespace, name } = metadata as { namespace?: unknown; name?: unknown };
  return `${typeof namespace === "string" ? namespace : "?"}/${typeof name === "string" ? name : "?"}`;
};

export const decodeRunObject = (value: unknown): Result.Result<RunObject, RunDecodeFailed> => {
  const exit = decode(value);
  if (Exit.isSuccess(exit)) return Result.succeed({ ...exit.value, raw: value });
  return Result.fail(new RunDecodeFailed({ reference: describe(value), reason: String(exit.cause) }));
};
