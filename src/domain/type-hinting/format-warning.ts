/** Something a formatter left out or noticed, reported instead of failing (e.g. a dropped hint). */
export interface FormatWarning {
  readonly code: string;
  readonly message: string;
}

export type Warn = (warning: FormatWarning) => void;
