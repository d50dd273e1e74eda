import { Context } from "effect";

/** Wall-clock time, replaceable in tests. */
export class Clock extends Context.Service<Clock, { readonly now: () => Date }>()("chains-ts/Clock") {}
