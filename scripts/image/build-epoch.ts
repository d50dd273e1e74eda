/**
 * The time written into every file and the config: `SOURCE_DATE_EPOCH` (seconds, the
 * reproducible-builds convention) when set, else the Unix epoch, never the clock.
 */
export const buildEpoch = (env: NodeJS.ProcessEnv): Date => {
  const raw = env["SOURCE_DATE_EPOCH"];
  if (raw === undefined || raw === "") return new Date(0);
  if (!/^\d+$/.test(raw)) throw new Error(`SOURCE_DATE_EPOCH=${raw} is not a number of seconds`);
  return new Date(Number(raw) * 1000);
};
