/** Where the Kubernetes adapter reports what it does in the background (watch restarts, relists). */
export type AdapterLog = (level: "info" | "warning", message: string) => void;

export const silentLog: AdapterLog = () => undefined;
