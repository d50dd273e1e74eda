import type { PubSub } from "@google-cloud/pubsub";
import type { PubsubMessage } from "../../../domain/storage/pubsub-message.ts";
import type { MessagePublisher } from "./message-publisher.ts";

/**
 * The chains-ts `gcppubsub` provider: Google Pub/Sub through the official client, loaded on first
 * use. `PUBSUB_EMULATOR_HOST` points it at the emulator; a short topic name is resolved under the
 * ambient project (`GOOGLE_CLOUD_PROJECT`, else the credentials' project).
 */
export const makeGooglePubsubPublisher = (env: Readonly<Record<string, string | undefined>> = process.env): MessagePublisher => {
  let client: Promise<PubSub> | undefined;
  const clientOnce = (): Promise<PubSub> => {
    if (client !== undefined) return client;
    const emulator = env["PUBSUB_EMULATOR_HOST"];
    const project = env["GOOGLE_CLOUD_PROJECT"] ?? env["GCLOUD_PROJECT"];
    const created = import("@google-cloud/pubsub").then(
      ({ PubSub }) =>
        new PubSub({
          ...(emulator === undefined || emulator === "" ? {} : { apiEndpoint: emulator }),
          ...(project === undefined || project === "" ? {} : { projectId: project }),
        }),
    );
    client = created;
    // A failed import must not stick: the next publish tries again.
    created.catch(() => {
      if (client === created) client = undefined;
    });
    return created;
  };

  return {
    publish: async (topic, message: PubsubMessage) => {
      const pubsub = await clientOnce();
      // No batching: the pass waits for each message, so a batch window would only add latency.
      const publisher = pubsub.topic(topic, { batching: { maxMessages: 1 } });
      try {
        await publisher.publishMessage({ data: Buffer.from(message.body), attributes: { ...message.metadata } });
      } finally {
        await publisher.flush().catch(() => undefined);
      }
    },
    close: async () => {
      const last = client;
      client = undefined;
      await last?.then((pubsub) => pubsub.close()).catch(() => undefined);
    },
  };
};
