import type { SpecDocument } from "./read.ts";
import type { SpecFile } from "./spec-format.ts";

/** A spec file that passed the structural check: what the semantic checks and the model read. */
export interface CheckedSpec {
  readonly file: string;
  /**
   * What everything generated from it depends on: the spec's text, and with it the texts of the
   * files its references bring in (`sourceOf`), so that a memo keyed by it sees an edit to one.
   */
  readonly source: string;
  readonly spec: SpecFile;
  readonly locate: SpecDocument["locate"];
}
