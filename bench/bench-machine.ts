import { cpus, totalmem } from "node:os";

/** The line every bench prints first: its figures are ratios, but they came from this machine. */
export const machineLine = (): string => {
  const cores = cpus();
  return `machine: ${cores[0]?.model.trim() ?? "unknown CPU"}, ${cores.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version} ${process.platform}-${process.arch}`;
};

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
