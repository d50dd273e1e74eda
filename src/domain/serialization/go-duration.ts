/**
 * Go `time.Duration` text: `time.ParseDuration` and `Duration.String`, over bigint nanoseconds so
 * that every int64 duration prints exactly.
 */
const unitNanos: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  "μs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const maxInt64 = (1n << 63n) - 1n;

export const parseGoDuration = (text: string): bigint | undefined => {
  let rest = text;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest.startsWith("-");
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") return undefined;
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== "") {
    const m = part.exec(rest);
    if (m === null) return undefined;
    const [whole, intDigits = "", fracDigits = "", unit = ""] = m;
    if (intDigits === "" && fracDigits === "") return undefined;
    const scale = unitNanos[unit]!;
    let value = BigInt(intDigits === "" ? "0" : intDigits) * scale;
    if (fracDigits !== "") {
      value += (BigInt(fracDigits) * scale) / 10n ** BigInt(fracDigits.length);
    }
    total += value;
    if (total > maxInt64 + (negative ? 1n : 0n)) return undefined;
    rest = rest.slice(whole.length);
  }
  return negative ? -total : total;
};

const fraction = (value: bigint, digits: number): string => {
  const text = value.toString().padStart(digits, "0").replace(/0+$/, "");
  return text === "" ? "" : `.${text}`;
};

export const formatGoDuration = (nanos: bigint): string => {
  if (nanos === 0n) return "0s";
  const negative = nanos < 0n;
  const u = negative ? -nanos : nanos;
  const sign = negative ? "-" : "";
  if (u < 1_000_000_000n) {
    if (u < 1_000n) return `${sign}${u}ns`;
    if (u < 1_000_000n) return `${sign}${u / 1_000n}${fraction(u % 1_000n, 3)}µs`;
    return `${sign}${u / 1_000_000n}${fraction(u % 1_000_000n, 6)}ms`;
  }
  const seconds = u / 1_000_000_000n;
  const secText = `${seconds % 60n}${fraction(u % 1_000_000_000n, 9)}s`;
  const minutes = seconds / 60n;
  if (minutes === 0n) return `${sign}${secText}`;
  const hours = minutes / 60n;
  if (hours === 0n) return `${sign}${minutes % 60n}m${secText}`;
  return `${sign}${hours}h${minutes % 60n}m${secText}`;
};
