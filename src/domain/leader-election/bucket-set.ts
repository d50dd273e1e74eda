import { type Fnv64, fnv1a64, fnv64Hex } from "./fnv-1a-64.ts";

/** knative's `hash` package constants: the angle salts and the size of the hash circle. */
const START_SALT = "start-angle-salt";
const UNIVERSE = 2048;

const utf8 = new TextEncoder();

/** Go orders strings by their bytes. */
const byBytes = (a: Uint8Array, b: Uint8Array): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
};

/**
 * Which bucket owns a key, as knative's `hash.BucketSet.Owner` answers it (the reconciler's
 * `Bucket.Has(namespace/name)`): `ChooseSubset(buckets, 1, key)`. Every bucket name, salted with
 * the key, is placed on a circle of 2048 angles (FNV-1a 64, collisions re-hashed in name order);
 * the key's own start angle picks the first bucket at or after it, wrapping round. The same
 * buckets therefore split runs exactly as Tekton Chains does, so replicas of both agree on who
 * signs what during a switch-over.
 */
export class BucketSet {
  readonly #names: ReadonlyArray<string>;
  /** Each name's hash state, from which hashing name + key continues with the key alone. */
  readonly #prefixes: ReadonlyArray<Fnv64>;

  constructor(names: ReadonlyArray<string>) {
    const sorted = [...new Set(names)].map((name) => ({ name, bytes: utf8.encode(name) })).sort((a, b) => byBytes(a.bytes, b.bytes));
    this.#names = sorted.map((entry) => entry.name);
    this.#prefixes = sorted.map((entry) => fnv1a64(entry.bytes));
  }

  /** The bucket names, in the order knative lists them (byte order). */
  get names(): ReadonlyArray<string> {
    return this.#names;
  }

  /** The bucket that owns `key` (`namespace/name`). */
  owner(key: string): string {
    if (this.#names.length === 1) return this.#names[0]!;
    const target = utf8.encode(key);
    const start = fnv1a64(START_SALT, fnv1a64(target)).lo % UNIVERSE;
    const taken = new Set<number>();
    let owner = "";
    let ownerAngle = Number.POSITIVE_INFINITY;
    let lowest = "";
    let lowestAngle = Number.POSITIVE_INFINITY;
    this.#names.forEach((name, i) => {
      let hash = fnv1a64(target, this.#prefixes[i]);
      // Two names on one angle: the later one appends its hash in hex and hashes again.
      while (taken.has(hash.lo % UNIVERSE)) hash = fnv1a64(fnv64Hex(hash), hash);
      const angle = hash.lo % UNIVERSE;
      taken.add(angle);
      if (angle >= start && angle < ownerAngle) [owner, ownerAngle] = [name, angle];
      if (angle < lowestAngle) [lowest, lowestAngle] = [name, angle];
    });
    return ownerAngle === Number.POSITIVE_INFINITY ? lowest : owner;
  }
}
