/**
 * The bytes a Rekor log key signs as an entry's signed entry timestamp (SET): canonical JSON
 * (keys sorted, no spaces) of the four fields; `logID` is hex. Written out rather than sorted at
 * run time because the four keys are fixed and already in order.
 */
export const signedEntryTimestampMessage = (e: {
  readonly body: string;
  readonly integratedTime: number;
  readonly logId: string;
  readonly logIndex: number;
}): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ body: e.body, integratedTime: e.integratedTime, logID: e.logId, logIndex: e.logIndex }));
