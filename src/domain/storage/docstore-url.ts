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

export type DocstoreTarget = FirestoreCollection;

/** Drivers chains-ts serves; the others of go-cloud are refused by name (no server to test them here). */
export const supportedDocstoreDrivers = ["firestore"] as const;
const knownUnsupported = ["dynamodb", "mongo", "mem"] as const;

const example = "firestore://projects/<project>/databases/(default)/documents/<collection>?name_field=name";

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
  if (scheme !== "firestore") {
    const which = (knownUnsupported as ReadonlyArray<string>).includes(scheme) ? `the ${scheme} docstore driver is not supported by chains-ts` : `unknown docstore driver "${scheme}"`;
    return Result.fail(`storage.docdb.url: ${which}; supported drivers: ${supportedDocstoreDrivers.join(", ")} (${example})`);
  }
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
