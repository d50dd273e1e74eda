import { Result } from "effect";

/** A Cloud Firestore collection named by a go-cloud `firestore://` docstore URL. */
export interface FirestoreCollection {
  readonly driver: "firestore";
  readonly project: string;
  readonly database: string;
  /** Collection path under the database's documents (`c`, or `c/doc/sub` for a subcollection). */
  readonly collection: string;
  /** The URL's `name_field`: the record field whose value names the document. */
  readonly nameField: string;
}

/** A DynamoDB table named by a go-cloud `dynamodb://` docstore URL. */
export interface DynamoDbTable {
  readonly driver: "dynamodb";
  readonly table: string;
  /** The table's partition key attribute; the record field it names (case-insensitively) holds its value. */
  readonly partitionKey: string;
  /** go-cloud's `region` and `endpoint` URL parameters; unset, the AWS SDK's defaults apply. */
  readonly region?: string;
  readonly endpoint?: string;
}

export type DocstoreTarget = FirestoreCollection | DynamoDbTable;

/** Drivers chains-ts serves; the others of go-cloud are refused by name (no server to test them here). */
export const supportedDocstoreDrivers = ["firestore", "dynamodb"] as const;
const knownUnsupported = ["mongo", "mem"] as const;

const example = "firestore://projects/<project>/databases/(default)/documents/<collection>?name_field=name";

/** Where documents go, for messages: the URL without its parameters. */
export const docstoreLocation = (target: DocstoreTarget): string =>
  target.driver === "firestore"
    ? `firestore://projects/${target.project}/databases/${target.database}/documents/${target.collection}`
    : `dynamodb://${target.table}`;

/** The record field naming each document: `name_field` (Firestore) or `partition_key` (DynamoDB). */
export const docstoreKeyField = (target: DocstoreTarget): string =>
  target.driver === "firestore" ? target.nameField : target.partitionKey;

const parseDynamoDbUrl = (text: string, url: URL): Result.Result<DocstoreTarget, string> => {
  const table = decodeURIComponent(url.host);
  const partitionKey = url.searchParams.get("partition_key") ?? "";
  if (table === "" || (url.pathname !== "" && url.pathname !== "/"))
    return Result.fail(`storage.docdb.url "${text}" does not name a DynamoDB table; expected dynamodb://<table>?partition_key=name`);
  if (partitionKey === "")
    return Result.fail(`storage.docdb.url "${text}" has no partition_key; add ?partition_key=name (the record's Name field names each document)`);
  if (url.searchParams.has("sort_key"))
    return Result.fail(`storage.docdb.url "${text}": sort_key is not supported; the record has one key, Name (use only partition_key)`);
  const region = url.searchParams.get("region") ?? "";
  const endpoint = url.searchParams.get("endpoint") ?? "";
  return Result.succeed({
    driver: "dynamodb",
    table,
    partitionKey,
    ...(region === "" ? {} : { region }),
    ...(endpoint === "" ? {} : { endpoint }),
  });
};

/**
 * Why `storage.docdb.url` names a driver chains-ts has no client for (mongo, mem, or an unknown
 * scheme), or undefined. Such a URL can never work, so the config is rejected rather than each
 * pass failing; other faults (an unreachable server, a malformed path) fail the pass.
 */
export const unsupportedDocstoreDriver = (text: string): string | undefined => {
  if (!URL.canParse(text)) return undefined;
  const scheme = new URL(text).protocol.replace(/:$/, "");
  if ((supportedDocstoreDrivers as ReadonlyArray<string>).includes(scheme)) return undefined;
  const which = (knownUnsupported as ReadonlyArray<string>).includes(scheme) ? `the ${scheme} docstore driver is not supported by chains-ts` : `unknown docstore driver "${scheme}"`;
  return `${which}; supported drivers: ${supportedDocstoreDrivers.join(", ")} (${example})`;
};

/**
 * Parses `storage.docdb.url`. Every failure says what a valid value looks like, so it can go into
 * an Event unchanged.
 */
export const parseDocstoreUrl = (text: string): Result.Result<DocstoreTarget, string> => {
  if (text.trim() === "") return Result.fail(`storage.docdb.url is empty; set it to a docstore URL such as ${example}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return Result.fail(`storage.docdb.url "${text}" is not a URL; expected ${example}`);
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (scheme === "dynamodb") return parseDynamoDbUrl(text, url);
  if (scheme !== "firestore") return Result.fail(`storage.docdb.url: ${unsupportedDocstoreDriver(text)}`);
  // `firestore://projects/p/...` parses with host "projects"; the rest is the resource path.
  const segments = `${url.host}${url.pathname}`.split("/").map(decodeURIComponent);
  const [projects, project, databases, database, documents, ...collection] = segments;
  const wellFormed =
    projects === "projects" && databases === "databases" && documents === "documents" &&
    project !== undefined && project !== "" && database !== undefined && database !== "" &&
    collection.length % 2 === 1 && collection.every((s) => s !== "");
  if (!wellFormed)
    return Result.fail(`storage.docdb.url "${text}" does not name a Firestore collection; expected ${example}`);
  const nameField = url.searchParams.get("name_field") ?? "";
  if (nameField === "")
    return Result.fail(`storage.docdb.url "${text}" has no name_field; add ?name_field=name (the record's Name field names each document)`);
  return Result.succeed({ driver: "firestore", project: project!, database: database!, collection: collection.join("/"), nameField });
};
