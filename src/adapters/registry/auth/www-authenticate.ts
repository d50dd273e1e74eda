/** One challenge of a `WWW-Authenticate` header (RFC 7235): scheme (lowercased) and parameters. */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses a `WWW-Authenticate` value, which may hold several challenges separated by commas,
 * e.g. `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull", Basic realm="x"`.
 * Parameter names are lowercased; quoted values are unescaped.
 */
export const parseWwwAuthenticate = (header: string): ReadonlyArray<AuthChallenge> => {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < header.length && (header[i] === " " || header[i] === "\t" || header[i] === ",")) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < header.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header[i] ?? "")) i++;
    return header.slice(start, i);
  };
  const readValue = (): string => {
    if (header[i] !== '"') {
      const start = i;
      while (i < header.length && header[i] !== "," && header[i] !== " ") i++;
      return header.slice(start, i);
    }
    i++;
    let value = "";
    while (i < header.length && header[i] !== '"') {
      if (header[i] === "\\" && i + 1 < header.length) i++;
      value += header[i];
      i++;
    }
    i++;
    return value;
  };
  while (i < header.length) {
    skipSpace();
    const token = readToken();
    if (token === "") {
      i++;
      continue;
    }
    let j = i;
    while (header[j] === " ") j++;
    const current = challenges.at(-1);
    if (header[j] === "=" && header[j + 1] !== "=" && current !== undefined) {
      i = j + 1;
      while (header[i] === " ") i++;
      current.params[token.toLowerCase()] = readValue();
    } else {
      challenges.push({ scheme: token.toLowerCase(), params: {} });
      // token68 form (`Basic abc==`) carries no parameters we use; skip it.
      if (header[j] !== "=" && /[A-Za-z0-9\-._~+/]/.test(header[j] ?? "") && isToken68Ahead(header, j)) {
        i = header.indexOf(",", j) < 0 ? header.length : header.indexOf(",", j);
      }
    }
  }
  return challenges;
};

/** After a scheme, a token68 is a run of token characters not followed by `=` then a value start. */
const isToken68Ahead = (header: string, j: number): boolean => {
  const m = /^[A-Za-z0-9\-._~+/]+=*/.exec(header.slice(j));
  if (m === null) return false;
  const after = header.slice(j + m[0].length).trimStart();
  return after === "" || after.startsWith(",");
};
