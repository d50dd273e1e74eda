import type { PubSub } from "@google-cloud/pubsub";
import type { PubsubMessage } from "../../../domain/storage/pubsub-message.ts";
import { EMULATED_UNIVERSE } from "../google-emulator-universe.ts";
import type { MessagePublisher } from "./message-publisher.ts";

const topicPath = /^projects\/([^/]+)\/topics\/[^/]+$/;

/**
 * The chains-ts `gcppubsub` provider: Google Pub/Sub through the official client, loaded on first
 * use. `PUBSUB_EMULATOR_HOST` points it at the emulator. A `projects/<p>/topics/<t>` topic names
 * its project; a short name is resolved under `GOOGLE_CLOUD_PROJECT` (else the credentials'
 * project). One client per project, so the client never has to look its project up.
 */
export const makeGooglePubsubPublisher = (env: Readonly<Record<string, string | undefined>> = process.env): MessagePublisher => {
  const clients = new Map<string, Promise<PubSub>>();
  const clientFor = (topic: string): Promise<PubSub> => {
    const project = topicPath.exec(topic)?.[1] ?? env["GOOGLE_CLOUD_PROJECT"] ?? env["GCLOUD_PROJECT"] ?? "";
    const known = clients.get(project);
    if (known !== undefined) return known;
    const emulator = env["PUBSUB_EMULATOR_HOST"];
    const created = import("@google-cloud/pubsub").then(
      ({ PubSub }) =>
        new PubSub({
          ...(emulator === undefined || emulator === "" ? {} : { apiEndpoint: emulator, emulatorMode: true, universeDomain: EMULATED_UNIVERSE }),
          ...(project === "" ? {} : { projectId: project }),
        }),
    );
    clients.set(project, created);
    // A failed import must not stick: the next publish tries again.
    created.catch(() => {
      if (clients.get(project) === created) clients.delete(project);
    });
    return created;
  };

  return {
    publish: async (topic, message: PubsubMessage) => {
      const pubsub = await clientFor(topic);
      // No batching: the pass waits for each message, so a batch window would only add latency.
      const publisher = pubsub.topic(topic, { batching: { maxMessages: 1 } });
      await publisher.publishMessage({ data: Buffer.from(message.body), attributes: { ...message.metadata } });
    },
    close: async () => {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((client) => client.then((pubsub) => pubsub.close()).catch(() => undefined)));
    },
  };
};
