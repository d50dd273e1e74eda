import type { KubeConfig } from "@kubernetes/client-node";
import { parseJsonText } from "../../domain/serialization/json-text.ts";
import { type ApiQuery, apiExceptionOf, sendApiRequest } from "./json-requests.ts";

/** A watch stream line that is not a watch event: the stream is broken, so the watch ends with this. */
export class WatchLineUnreadable extends Error {
  override readonly name = "WatchLineUnreadable";
}

const timeoutError = (idleTimeoutMs: number): DOMException =>
  new DOMException(`the watch sent nothing for ${idleTimeoutMs} ms`, "TimeoutError");

/**
 * Opens a watch stream (`?watch=true`) and hands each event to `onEvent`, its line read with
 * `parseJsonText` (client-node's Watch uses `JSON.parse`, and skips lines it cannot read without a
 * word; here such a line ends the watch with an error, so the caller re-lists rather than miss an
 * event). `onDone` is called once: with `null` when the server ends the stream, with a
 * `TimeoutError` when it sends nothing for `idleTimeoutMs`, otherwise with the failure (an
 * `ApiException` for an answer other than 200). Resolves once the stream is open, to the
 * controller that closes it.
 */
export const openJsonWatch = async (
  config: KubeConfig,
  path: string,
  query: ApiQuery,
  onEvent: (type: string, object: unknown) => void,
  onDone: (error: unknown) => void,
  idleTimeoutMs: number,
): Promise<AbortController> => {
  const controller = new AbortController();
  let finished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finish = (error: unknown): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    controller.abort();
    onDone(error);
  };
  const stillAlive = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => finish(timeoutError(idleTimeoutMs)), idleTimeoutMs);
    timer.unref();
  };
  const deliver = (line: string): void => {
    if (line.trim() === "" || finished) return;
    let event: { type?: unknown; object?: unknown } | undefined;
    try {
      event = parseJsonText(line) as typeof event;
    } catch {
      event = undefined;
    }
    if (typeof event?.type !== "string") {
      finish(new WatchLineUnreadable(`the watch of ${path} sent a line that is not a watch event: ${line.slice(0, 200)}`));
      return;
    }
    onEvent(event.type, event.object);
  };
  try {
    stillAlive();
    const response = await sendApiRequest(config, { method: "GET", path, query: { ...query, watch: true } }, controller.signal);
    if (response.status !== 200) throw await apiExceptionOf(response);
    const body = response.body;
    if (body === null) throw new Error(`the watch of ${path} answered without a body`);
    stillAlive();
    void (async () => {
      const decoder = new TextDecoder();
      let partial = "";
      for await (const chunk of body) {
        stillAlive();
        const text = decoder.decode(chunk, { stream: true });
        let start = 0;
        for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
          deliver(partial + text.slice(start, newline));
          partial = "";
          start = newline + 1;
        }
        partial += text.slice(start);
      }
      deliver(partial + decoder.decode());
    })().then(() => finish(null), finish);
  } catch (error) {
    finish(error);
  }
  return controller;
};
