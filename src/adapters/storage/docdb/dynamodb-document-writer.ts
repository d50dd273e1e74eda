import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DocdbRecord } from "../../../domain/storage/docdb-record.ts";
import type { DynamoDbTable } from "../../../domain/storage/docstore-url.ts";
import type { DocumentWriter } from "./document-writer.ts";

type Env = Readonly<Record<string, string | undefined>>;

const nonEmpty = (...values: ReadonlyArray<string | undefined>): string | undefined => values.find((v) => v !== undefined && v !== "");

/**
 * Upserts (PutItem) through the official AWS SDK, loaded on first use. Region and endpoint come
 * from the URL's `region`/`endpoint` parameters (as in go-cloud), else `AWS_REGION` and
 * `AWS_ENDPOINT_URL_DYNAMODB`/`AWS_ENDPOINT_URL`; credentials from the SDK's default chain, or
 * `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` of the given environment.
 */
export const makeDynamoDbDocumentWriter = (env: Env = process.env): DocumentWriter<DynamoDbTable> => {
  const clients = new Map<string, Promise<{ readonly client: DynamoDBClient; readonly put: (table: string, item: Record<string, unknown>) => Promise<unknown> }>>();

  const clientFor = (target: DynamoDbTable) => {
    const region = nonEmpty(target.region, env["AWS_REGION"], env["AWS_DEFAULT_REGION"]);
    const endpoint = nonEmpty(target.endpoint, env["AWS_ENDPOINT_URL_DYNAMODB"], env["AWS_ENDPOINT_URL"]);
    const key = JSON.stringify([region, endpoint]);
    const known = clients.get(key);
    if (known !== undefined) return known;
    const accessKeyId = nonEmpty(env["AWS_ACCESS_KEY_ID"]);
    const secretAccessKey = nonEmpty(env["AWS_SECRET_ACCESS_KEY"]);
    const created = Promise.all([import("@aws-sdk/client-dynamodb"), import("@aws-sdk/util-dynamodb")]).then(([sdk, util]) => {
      const client = new sdk.DynamoDBClient({
        ...(region === undefined ? {} : { region }),
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(accessKeyId === undefined || secretAccessKey === undefined ? {} : { credentials: { accessKeyId, secretAccessKey } }),
      });
      const put = (table: string, item: Record<string, unknown>) =>
        client.send(new sdk.PutItemCommand({ TableName: table, Item: util.marshall(item, { removeUndefinedValues: true }) }));
      return { client, put };
    });
    clients.set(key, created);
    // A failed import must not stick: the next store tries again.
    created.catch(() => {
      if (clients.get(key) === created) clients.delete(key);
    });
    return created;
  };

  return {
    upsert: async (target, name, record: DocdbRecord) => {
      const { put } = await clientFor(target);
      // The record's fields keep their Go names; the table's key attribute is spelled as the URL
      // spells it (`partition_key=name` next to `Name`), so PutItem finds its key.
      await put(target.table, { ...record, [target.partitionKey]: name });
    },
    close: async () => {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((c) => c.then(({ client }) => client.destroy()).catch(() => undefined)));
    },
  };
};
