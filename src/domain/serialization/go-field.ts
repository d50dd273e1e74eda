/**
 * Reads a JSON object member the way Go's encoding/json fills a struct field: the exact key if
 * present, otherwise a case-insensitive match (e.g. `EnableAPIFields` fills `enableAPIFields`).
 */
export const goField = (raw: unknown, name: string): unknown => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const record = raw as Record<string, unknown>;
  if (Object.hasOwn(record, name)) return record[name];
  const folded = name.toLowerCase();
  let found: unknown = undefined;
  for (const key of Object.keys(record)) if (key.toLowerCase() === folded) found = record[key];
  return found;
};
