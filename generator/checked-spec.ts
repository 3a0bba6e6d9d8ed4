import type { SpecDocument } from "./read.ts";
import type { SpecFile } from "./spec-format.ts";

/** A spec file that passed the structural check: what the semantic checks and the model read. */
export interface CheckedSpec {
  readonly file: string;
  /** The spec's text: what everything generated from it depends on. */
  readonly source: string;
  readonly spec: SpecFile;
  readonly locate: SpecDocument["locate"];
}
