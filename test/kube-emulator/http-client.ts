import type { JsonObject } from "../support/kube-api-emulator/index.ts";

/** A bare HTTP client for asserting the emulator's wire behaviour (status codes, Status bodies, streams). */
export interface Reply {
  readonly status: number;
  readonly body: JsonObject;
  readonly headers: Headers;
}

export const call = async (
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<Reply> => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": contentType },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as JsonObject, headers: response.headers };
};

export interface StreamedEvent {
  readonly type: string;
  readonly object: JsonObject;
}

/** Opens a watch and collects its newline-delimited events until the server ends the stream or `stop()`. */
export const openWatch = (base: string, path: string) => {
  const events: StreamedEvent[] = [];
  const controller = new AbortController();
  let status = 0;
  const done = (async () => {
    try {
      const response = await fetch(`${base}${path}`, { signal: controller.signal });
      status = response.status;
      if (response.body === null) return;
      const decoder = new TextDecoder();
      let buffered = "";
      for await (const chunk of response.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim() !== "") events.push(JSON.parse(line) as StreamedEvent);
          newline = buffered.indexOf("\n");
        }
      }
    } catch (error) {
      if ((error as Error).name !== "AbortError") throw error;
    }
  })();
  return {
    events,
    get status() {
      return status;
    },
    done,
    stop: () => controller.abort(),
  };
};

export const taskRun = (name: string, namespace = "default", extra: JsonObject = {}): JsonObject => ({
  apiVersion: "tekton.dev/v1",
  kind: "TaskRun",
  metadata: { name, namespace, ...((extra["metadata"] as JsonObject | undefined) ?? {}) },
  spec: { taskRef: { name: "build" } },
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "metadata")),
});

export const meta = (object: JsonObject): JsonObject => object["metadata"] as JsonObject;
