import { Context } from "effect";
import { type Leadership, soleLeader } from "../controller/leadership.ts";

/** The leadership the controller runs under: the sole leader unless a Leases layer provides one. */
export const ControllerLeadership = Context.Reference<Leadership>("chains-ts/ControllerLeadership", { defaultValue: () => soleLeader });
