/** A named artifact with its digests (`alg → hex`): a subject, or a material keyed on its URI. */
export interface DigestedArtifact {
  readonly name: string;
  readonly digest: Readonly<Record<string, string>>;
}

/** Own data properties only (`fromEntries` never calls the `__proto__` setter), in a fast-mode object. */
const digestRecord = (entries: Iterable<readonly [string, string]>): Readonly<Record<string, string>> => Object.fromEntries(entries);

export const singleDigest = (algorithm: string, hex: string): Readonly<Record<string, string>> =>
  digestRecord([[algorithm, hex]]);

const shareDigest = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean =>
  Object.entries(b).some(([alg, hex]) => Object.hasOwn(a, alg) && a[alg] === hex);

/**
 * The reference's merge rule: an artifact with the same name as an existing one and at least one
 * identical `alg:hex` is folded into it (same algorithm: the new value wins); otherwise appended.
 */
export const mergeArtifacts = <A extends DigestedArtifact>(
  list: ReadonlyArray<A>,
  items: ReadonlyArray<A>,
  rebuild: (existing: A, digest: Readonly<Record<string, string>>) => A,
): ReadonlyArray<A> => {
  const out = [...list];
  for (const item of items) {
    const index = out.findIndex((a) => a.name === item.name && shareDigest(a.digest, item.digest));
    if (index < 0) out.push(item);
    else {
      const existing = out[index]!;
      out[index] = rebuild(existing, digestRecord([...Object.entries(existing.digest), ...Object.entries(item.digest)]));
    }
  }
  return out;
};

export const mergeSubjects = (
  list: ReadonlyArray<DigestedArtifact>,
  items: ReadonlyArray<DigestedArtifact>,
): ReadonlyArray<DigestedArtifact> => mergeArtifacts(list, items, (a, digest) => ({ name: a.name, digest }));
