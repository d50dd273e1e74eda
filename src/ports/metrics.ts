import { Context } from "effect";

/** Counters with the reference's metric names (`watcher_taskrun_sign_created_total`, …). */
export class Metrics extends Context.Service<
  Metrics,
  { readonly increment: (name: string, labels?: Readonly<Record<string, string>>) => void }
>()("chains-ts/Metrics") {}
