/**
 * Given explicitly to a Google client that talks to an emulator: otherwise the client asks the
 * credentials for their universe, which looks for Application Default Credentials and probes the
 * GCE metadata server (a network call off the machine, and a warning on every start).
 */
export const EMULATED_UNIVERSE = "googleapis.com";
