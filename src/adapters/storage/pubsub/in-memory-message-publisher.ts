import type { PubsubMessage } from "../../../domain/storage/pubsub-message.ts";
import type { MessagePublisher } from "./message-publisher.ts";

/**
 * The reference's `inmemory` provider (`mem://<topic>`): messages stay in this process. Also the
 * fake the property tests read back.
 */
export class InMemoryMessagePublisher implements MessagePublisher {
  readonly #topics = new Map<string, Array<PubsubMessage>>();
  #failures = 0;

  readonly publish = async (topic: string, message: PubsubMessage): Promise<void> => {
    if (this.#failures > 0) {
      this.#failures--;
      throw new Error("injected publish failure");
    }
    const messages = this.#topics.get(topic) ?? [];
    messages.push(structuredClone(message));
    this.#topics.set(topic, messages);
  };

  readonly close = async (): Promise<void> => {};

  messages(topic: string): ReadonlyArray<PubsubMessage> {
    return this.#topics.get(topic) ?? [];
  }

  /** Makes the next `times` publishes fail. */
  failNext(times: number): void {
    this.#failures = times;
  }
}
