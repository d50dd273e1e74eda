/**
 * The one wait of the suite, for what only a real process, socket or a controller running on its
 * own makes true: polls until it holds, and fails saying what was awaited. The deadline is
 * generous because the suite shares 2 busy cores; a condition that holds returns at once, so only
 * a failing test pays for it.
 */
export const DEFAULT_WAIT_MS = 30_000;

/**
 * Reads until `check` accepts what was read, and returns that value. `pollMs` is longer where a
 * read is dear (a process that takes a minute to start need not be asked a hundred times a second).
 */
export const eventually = async <A>(
  read: () => A | Promise<A>,
  check: (value: A) => boolean,
  what: string,
  timeoutMs = DEFAULT_WAIT_MS,
  pollMs = 10,
): Promise<A> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) {
      const seen = value === true || value === false ? "" : `; last seen ${JSON.stringify(value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
};

/** Waits until `condition` holds. */
export const until = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = DEFAULT_WAIT_MS, pollMs?: number): Promise<void> => {
  await eventually(condition, (holds) => holds, what, timeoutMs, pollMs);
};
