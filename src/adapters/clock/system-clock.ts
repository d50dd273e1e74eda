import type { Clock } from "../../ports/clock.ts";

/** The real wall clock. */
export const systemClock: Clock["Service"] = { now: () => new Date() };
