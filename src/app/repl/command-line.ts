/**
 * Splits a REPL line into words: whitespace separates, "double" or 'single' quotes keep spaces in
 * a word (a path, for instance). `rest` is everything after the command word, untouched.
 */
export const splitCommandLine = (line: string): { readonly words: ReadonlyArray<string>; readonly rest: string } => {
  const words: Array<string> = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (const char of line.trim()) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      current ??= "";
    } else if (/\s/.test(char)) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else current = (current ?? "") + char;
  }
  if (current !== undefined) words.push(current);
  const trimmed = line.trim();
  const commandEnd = trimmed.search(/\s/);
  return { words, rest: commandEnd < 0 ? "" : trimmed.slice(commandEnd + 1) };
};
