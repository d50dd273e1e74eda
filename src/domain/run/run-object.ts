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

/** Not surely valid: the schema decides (and says why). */
const UNSURE = Symbol("unsure");

type Reader = (value: unknown) => unknown;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && Object.getOwnPropertySymbols(value).length === 0;
};

const string: Reader = (value) => (typeof value === "string" ? value : UNSURE);
const boolean: Reader = (value) => (typeof value === "boolean" ? value : UNSURE);
const oneOf =
  (...allowed: ReadonlyArray<string>): Reader =>
  (value) =>
    typeof value === "string" && allowed.includes(value) ? value : UNSURE;

const arrayOf =
  (item: Reader): Reader =>
  (value) => {
    if (!Array.isArray(value)) return UNSURE;
    const out: Array<unknown> = [];
    for (const element of value) {
      const read = item(element);
      if (read === UNSURE) return UNSURE;
      out.push(read);
    }
    return out;
  };

const stringMap: Reader = (value) => {
  if (!isPlainObject(value)) return UNSURE;
  const out: Record<string, string> = {};
  for (const key of Object.keys(value)) {
    const entry = value[key];
    if (typeof entry !== "string" || key === "__proto__") return UNSURE;
    out[key] = entry;
  }
  return out;
};

/** Declared fields only, as the schema's decoding keeps them; `true` marks an optional field. */
const struct =
  (fields: Readonly<Record<string, readonly [Reader, boolean]>>): Reader =>
  (value) => {
    if (!isPlainObject(value)) return UNSURE;
    const out: Record<string, unknown> = {};
    for (const [name, [read, optional]] of Object.entries(fields)) {
      if (!Object.hasOwn(value, name)) {
        if (optional) continue;
        return UNSURE;
      }
      const field = value[name];
      const decoded = field === undefined ? UNSURE : read(field);
      if (decoded === UNSURE) return UNSURE;
      out[name] = decoded;
    }
    return out;
  };

/**
 * The schema above as plain checks, for the watch's hot path (a Schema decode per event was a
 * twentieth of the in-memory pipeline): it accepts only what the schema accepts and builds the
 * same value; anything it is unsure of (a wrong type, an `undefined` member, an odd prototype)
 * goes to the schema, which decides and explains.
 */
const readRunObject = struct({
  apiVersion: [oneOf("tekton.dev/v1", "tekton.dev/v1beta1"), false],
  kind: [oneOf("TaskRun", "PipelineRun"), false],
  metadata: [
    struct({
      name: [string, false],
      namespace: [string, false],
      uid: [string, false],
      resourceVersion: [string, true],
      labels: [stringMap, true],
      annotations: [stringMap, true],
      finalizers: [arrayOf(string), true],
      deletionTimestamp: [string, true],
      ownerReferences: [
        arrayOf(
          struct({
            apiVersion: [string, false],
            kind: [string, false],
            name: [string, false],
            uid: [string, true],
            controller: [boolean, true],
          }),
        ),
        true,
      ],
    }),
    false,
  ],
  spec: [struct({ managedBy: [string, true], serviceAccountName: [string, true] }), true],
  status: [
    struct({
      conditions: [
        arrayOf(struct({ type: [string, false], status: [string, false], reason: [string, true], message: [string, true] })),
        true,
      ],
      startTime: [string, true],
      completionTime: [string, true],
      childReferences: [arrayOf(struct({ name: [string, false], kind: [string, true], pipelineTaskName: [string, true] })), true],
    }),
    true,
  ],
});

export const decodeRunObject = (value: unknown): Result.Result<RunObject, RunDecodeFailed> => {
  const read = readRunObject(value);
  return read === UNSURE ? decodeRunObjectBySchema(value) : Result.succeed({ ...(read as RunObjectFields), raw: value });
};

/** The schema's decoding alone: what `decodeRunObject` must agree with, whichever path it takes. */
export const decodeRunObjectBySchema = (value: unknown): Result.Result<RunObject, RunDecodeFailed> => {
  const exit = decode(value);
  if (Exit.isSuccess(exit)) return Result.succeed({ ...exit.value, raw: value });
  return Result.fail(new RunDecodeFailed({ reference: describe(value), reason: String(exit.cause) }));
};
