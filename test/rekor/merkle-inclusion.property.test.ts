import { createHash } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { leafHash, rootFromInclusionProof } from "../../src/adapters/rekor/merkle-inclusion.ts";

// RFC 6962 §2.1 written as its recursive definitions (MTH and PATH), independent of the iterative
// verifier under test.
const h = (...parts: ReadonlyArray<Uint8Array>) => {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(p);
  return hash.digest();
};
const split = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
const mth = (leaves: ReadonlyArray<Buffer>): Buffer => {
  if (leaves.length === 1) return h(Uint8Array.of(0), leaves[0]!);
  const k = split(leaves.length);
  return h(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
};
const path = (m: number, leaves: ReadonlyArray<Buffer>): Buffer[] => {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
};

const trees = fc
  .uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 40, selector: (l) => Buffer.from(l).toString("hex") })
  .chain((leaves) => fc.record({ leaves: fc.constant(leaves.map((l) => Buffer.from(l))), index: fc.nat({ max: leaves.length - 1 }) }));

// Leaves are distinct, so no two subtrees hash alike.
// Every leaf's RFC 6962 audit path leads to the tree's root, and a proof for another index or tree size does not.
it("recomputes the RFC 6962 root from any leaf's audit path, and only for its own index and size", () => {
  fc.assert(
    fc.property(trees, ({ leaves, index }) => {
      const size = BigInt(leaves.length);
      const proof = path(index, leaves);
      const leaf = leafHash(leaves[index]!);
      expect(rootFromInclusionProof(leaf, BigInt(index), size, proof)?.toString("hex")).toBe(mth(leaves).toString("hex"));
      if (leaves.length > 1) {
        const other = (index + 1) % leaves.length;
        const wrong = rootFromInclusionProof(leaf, BigInt(other), size, proof);
        expect(wrong?.toString("hex")).not.toBe(mth(leaves).toString("hex"));
      }
      expect(rootFromInclusionProof(leaf, size, size, proof)).toBeUndefined();
    }),
  );
});
