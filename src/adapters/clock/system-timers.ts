import type { Timers } from "../../ports/timers.ts";

/** Node's own timers. */
export const systemTimers: Timers["Service"] = {
  setTimeout: (callback, ms, options) => {
    const timer = setTimeout(callback, ms);
    if (options?.background === true) timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
};
