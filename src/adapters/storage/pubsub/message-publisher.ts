import type { PubsubMessage } from "../../../domain/storage/pubsub-message.ts";

/** Publishes one message to a topic; resolves once the topic has accepted it. */
export interface MessagePublisher {
  readonly publish: (topic: string, message: PubsubMessage) => Promise<void>;
  readonly close: () => Promise<void>;
}
