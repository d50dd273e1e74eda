/**
 * The files a dynamically linked program loads, from `ldd` output: `name => /path (0x…)` lines and
 * the loader's `/path (0x…)` line. The vDSO has no file. A library `ldd` could not find makes the
 * image unrunnable, so it is an error naming the library.
 */
export const lddPaths = (program: string, output: string): ReadonlyArray<string> => {
  const paths: string[] = [];
  for (const line of output.split("\n").map((l) => l.trim())) {
    if (line === "" || line.startsWith("linux-vdso") || line.startsWith("linux-gate")) continue;
    const missing = /^(\S+) => not found$/.exec(line);
    if (missing !== null) throw new Error(`${program} needs ${missing[1]}, which ldd cannot find on this machine`);
    const path = /^(?:\S+ => )?(\/\S+) \(0x[0-9a-f]+\)$/.exec(line)?.[1];
    if (path === undefined) throw new Error(`unexpected ldd output for ${program}: ${line}`);
    paths.push(path);
  }
  if (paths.length === 0) throw new Error(`ldd lists no libraries for ${program}: ${output.trim()}`);
  return paths;
};
