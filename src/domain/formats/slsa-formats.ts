/** Run formats whose payload is an in-toto statement with SLSA provenance, signed in a DSSE envelope. */
export const slsaFormats: ReadonlySet<string> = new Set(["in-toto", "slsa/v1", "slsa/v2alpha3", "slsa/v2alpha4"]);
