/** What differs between `slsa/v2alpha3` and `slsa/v2alpha4`. */
export interface SlsaV1Version {
  readonly name: "slsa/v2alpha3" | "slsa/v2alpha4";
  /** v2alpha4 reads StepAction (step) results and refSources. */
  readonly stepActions: boolean;
}

export const v2alpha3: SlsaV1Version = { name: "slsa/v2alpha3", stepActions: false };
export const v2alpha4: SlsaV1Version = { name: "slsa/v2alpha4", stepActions: true };
