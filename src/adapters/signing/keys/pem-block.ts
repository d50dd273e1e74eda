/** One decoded PEM block: its type (`PRIVATE KEY`, …) and DER bytes. */
export interface PemBlock {
  readonly type: string;
  readonly der: Uint8Array;
}

const begin = /(?<=^|\n)-----BEGIN ([^\r\n]*?)-----\r?\n/g;
const base64Body = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The first well-formed PEM block, as Go's `pem.Decode` finds it: a block whose END line does not
 * match, or whose body is not base64, is skipped; RFC 1421 headers (`Proc-Type: …`) are ignored.
 */
export const firstPemBlock = (bytes: Uint8Array): PemBlock | undefined => {
  const text = Buffer.from(bytes).toString("latin1");
  for (const match of text.matchAll(begin)) {
    const type = match[1] ?? "";
    const bodyStart = match.index + match[0].length;
    const end = text.indexOf(`-----END ${type}-----`, bodyStart);
    if (end < 0) continue;
    const lines = text.slice(bodyStart, end).split(/\r?\n/);
    const blank = lines.findIndex((line) => line.trim() === "");
    const hasHeaders = lines[0]?.includes(":") === true && blank > 0;
    const body = (hasHeaders ? lines.slice(blank + 1) : lines).join("").replace(/[ \t\r\n]/g, "");
    if (!base64Body.test(body) || body.length % 4 !== 0) continue;
    return { type, der: new Uint8Array(Buffer.from(body, "base64")) };
  }
  return undefined;
};

/** PEM text of a block, base64 in 64-character lines, as Go's `pem.EncodeToMemory` writes it. */
export const encodePemBlock = (block: PemBlock): string => {
  const lines = Buffer.from(block.der).toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${block.type}-----\n${lines.map((l) => `${l}\n`).join("")}-----END ${block.type}-----\n`;
};
