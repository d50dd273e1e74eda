import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renewalTime } from "../../src/adapters/signing/fulcio/certificate-renewal.ts";

const minute = 60_000;
const validity = (lifetimeMs: number) => ({ notBefore: new Date(0), notAfter: new Date(lifetimeMs) });

describe("keyless certificate renewal time", () => {
  it("uses Fulcio's ten-minute certificates for eight minutes", () => {
    expect(renewalTime(validity(10 * minute))).toEqual(new Date(8 * minute));
  });

  it("keeps a sixth of a long lifetime in reserve", () => {
    expect(renewalTime(validity(60 * minute))).toEqual(new Date(50 * minute));
  });

  // For any lifetime in whole seconds (X.509 times have no finer grain), the renewal falls at or
  // after the middle of the lifetime, leaving at least a sixth of it and min(2 min, half) of it.
  it("is inside the lifetime with a margin of at least two minutes or half of it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 * 24 * 3600 }), (lifetimeSeconds) => {
        const lifetimeMs = lifetimeSeconds * 1000;
        const renewAt = renewalTime(validity(lifetimeMs)).getTime();
        expect(renewAt).toBeGreaterThanOrEqual(lifetimeMs / 2);
        expect(lifetimeMs - renewAt).toBeGreaterThanOrEqual(Math.min(2 * minute, lifetimeMs / 2));
        expect(lifetimeMs - renewAt).toBeGreaterThanOrEqual(lifetimeMs / 6);
      }),
    );
  });
});
