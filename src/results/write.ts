/**
 * Writing of the result files: rows to CSV text with the schema's columns in order
 * (`src/results/schema.ts`), a header line first and missing cells empty.
 *
 * @module
 */
import { stringify } from "../deps/csv.ts";

/**
 * CSV text of `rows` with exactly `columns`, in order, and a header line.
 *
 * @example
 * ```ts
 * import { csvText } from "./write.ts";
 * if (csvText([{ a: 1, b: "x" }], ["b", "a"]) !== "b,a\nx,1\n") throw new Error();
 * ```
 */
export function csvText(rows: readonly object[], columns: readonly string[]): string {
  return stringify(rows as Record<string, unknown>[], { header: true, columns: [...columns] });
}
