import { Duration, Effect } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { pubsubMessage } from "../../../domain/storage/pubsub-message.ts";
import { type ArtifactStore, StorageFailed } from "../../../ports/artifact-store.ts";
import type { MessagePublisher } from "./message-publisher.ts";

export interface PubsubArtifactStoreOptions {
  /** The config in force: provider and topic are read on every store. */
  readonly config: () => ChainsConfig;
  readonly publishers: { readonly inmemory: MessagePublisher; readonly gcppubsub: MessagePublisher };
  /** How long one publish may take before the pass fails it (and retries later). */
  readonly timeout?: Duration.Input;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Why the configured provider cannot publish, or undefined. `kafka` is refused: no Kafka broker
 * runs where chains-ts is tested, and an untested producer would be a guess.
 */
const unusable = (config: ChainsConfig["storage"]["pubsub"]): string | undefined => {
  if (config.provider === "")
    return "storage.pubsub.provider is not set; set it to gcppubsub (Google Pub/Sub) or inmemory";
  if (config.provider === "kafka")
    return "storage.pubsub.provider kafka is not supported by chains-ts; use gcppubsub (Google Pub/Sub) or inmemory";
  if (config.topic === "") return "storage.pubsub.topic is not set; set it to the topic to publish to";
  return undefined;
};

/**
 * The `pubsub` backend (also named `kafka`, storage.md §10): one message per stored object, body =
 * the signature. A publish is not idempotent, so the pass's per-backend bookkeeping (defect #11) is
 * what keeps a retry from publishing twice.
 */
export const makePubsubArtifactStore = (options: PubsubArtifactStoreOptions): ArtifactStore => ({
  name: "pubsub",
  store: ({ artifact }) =>
    Effect.gen(function* () {
      const failed = (reason: string) => new StorageFailed({ backend: "pubsub", artifact: artifact.id, reason });
      const config = options.config().storage.pubsub;
      const reason = unusable(config);
      if (reason !== undefined) return yield* Effect.fail(failed(reason));
      const publisher = config.provider === "gcppubsub" ? options.publishers.gcppubsub : options.publishers.inmemory;
      const where = `${config.provider} topic ${config.topic}`;
      yield* Effect.tryPromise({
        try: () => publisher.publish(config.topic, pubsubMessage(artifact)),
        catch: (error) => failed(`could not publish to ${where}: ${describe(error)}`),
      }).pipe(
        Effect.timeoutOrElse({
          duration: options.timeout ?? Duration.seconds(30),
          orElse: () => Effect.fail(failed(`could not publish to ${where}: no answer in time`)),
        }),
      );
      return { annotations: {} };
    }),
});
