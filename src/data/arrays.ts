/**
 * A user's own data as a {@linkcode Dataset}: tensors or typed arrays `(x, y)` (or a CSV file),
 * with a seeded validation split held out of the training examples.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Dataset, DataSplit } from "./types.ts";
import { splitValidation } from "./batches.ts";

/** Inputs: a tensor `[n, ...inputShape]`, or a typed array with `inputShape` given. */
export type Inputs = tf.Tensor | Float32Array | Uint8Array;
/** Labels: class indices `[n]`, or one-hot `[n, classes]` (a tensor). */
export type Labels = tf.Tensor | Int32Array | Uint8Array | Float32Array | number[];

/** Options of {@linkcode datasetFromArrays}. */
export interface ArrayDataOptions {
  /** Shape of one example; required for typed arrays, taken from a tensor otherwise. */
  inputShape?: number[];
  /** Number of classes. @default max label + 1 */
  numClasses?: number;
  /** Fraction of the examples held out for validation (and, without `test`, testing). @default 0.1 */
  validationSplit?: number;
  /** A separate test set; without it the validation split is the test split. */
  test?: { x: Inputs; y: Labels };
  /** Seed of the validation split. @default 0 */
  seed?: number;
  /** Dataset id (recorded with results). @default "arrays" */
  id?: string;
}

function toSplit(x: Inputs, y: Labels, shape: number[] | undefined, what: string) {
  const inputShape = shape ?? (x instanceof tf.Tensor ? x.shape.slice(1) : undefined);
  if (!inputShape) {
    throw new TypeError(`Cannot use ${what} inputs: give inputShape for a typed array`);
  }
  const d = inputShape.reduce((a, b) => a * b, 1);
  const xs = x instanceof tf.Tensor
    ? (x.dtype === "int32" ? Float32Array.from(x.dataSync()) : x.dataSync() as Float32Array).slice()
    : x;
  let labels: Int32Array;
  if (y instanceof tf.Tensor) {
    labels = y.rank === 2
      ? tf.tidy(() => tf.argMax(y, 1)).dataSync() as Int32Array
      : Int32Array.from(y.dataSync());
  } else labels = Int32Array.from(y as ArrayLike<number>);
  const n = labels.length;
  if (xs.length !== n * d) {
    throw new RangeError(
      `Cannot use ${what} data: ${xs.length} input values are not ${n} examples × [${inputShape}]`,
    );
  }
  if (labels.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new RangeError(`Cannot use ${what} labels: they must be class indices ≥ 0 (or one-hot)`);
  }
  return { split: { x: xs, y: labels, n } as DataSplit, inputShape };
}

/**
 * A dataset from inputs and class labels. Float inputs are used as given (scale them as your
 * model expects); `Uint8Array` inputs are images scaled to [0, 1] by the batch pipeline.
 *
 * @param x Inputs.
 * @param y Labels.
 * @param options Shape, classes, validation split, test set.
 * @returns A dataset with `train`, `val` and `test` splits.
 *
 * @example 100 random 4-feature examples of 3 classes, 20 % held out
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { datasetFromArrays } from "./arrays.ts";
 * const x = tf.randomNormal([100, 4]), y = tf.tensor1d(Array.from({ length: 100 }, (_, i) => i % 3), "int32");
 * const ds = datasetFromArrays(x, y, { validationSplit: 0.2 });
 * if (ds.train.n !== 80 || ds.val!.n !== 20 || ds.numClasses !== 3) throw new Error();
 * tf.dispose([x, y]);
 * ```
 */
export function datasetFromArrays(x: Inputs, y: Labels, options: ArrayDataOptions = {}): Dataset {
  const { split, inputShape } = toSplit(x, y, options.inputShape, "training");
  const test = options.test
    ? toSplit(options.test.x, options.test.y, inputShape, "test").split
    : undefined;
  let maxLabel = 0;
  for (const s of [split, test]) for (const v of s?.y ?? []) maxLabel = Math.max(maxLabel, v);
  const numClasses = options.numClasses ?? maxLabel + 1;
  if (maxLabel >= numClasses) {
    throw new RangeError(`Cannot use label ${maxLabel}: numClasses is ${numClasses}`);
  }
  const base: Dataset = {
    id: options.id ?? "arrays",
    label: options.id ?? "user arrays",
    inputShape,
    numClasses,
    train: split,
    test: test ?? split,
    source: "user arrays",
  };
  const withVal = splitValidation(base, options.validationSplit ?? 0.1, options.seed ?? 0);
  return test ? withVal : { ...withVal, test: withVal.val! };
}

/** Options of {@linkcode datasetFromCsv}. */
export interface CsvDataOptions extends Omit<ArrayDataOptions, "inputShape" | "test"> {
  /** Label column: name (with a header row) or 0-based index. @default the last column */
  label?: string | number;
  /** The first row is a header. @default auto (true when a cell is not a number) */
  header?: boolean;
}

/**
 * A dataset from a CSV file of numeric features and an integer class column (or class names,
 * numbered in order of first appearance).
 *
 * @param path The CSV file.
 * @param options Label column, header, validation split.
 * @returns The dataset (`inputShape` `[features]`).
 *
 * @example
 * ```ts
 * import { datasetFromCsv } from "./arrays.ts";
 * const path = await Deno.makeTempFile({ suffix: ".csv" });
 * await Deno.writeTextFile(path, "a,b,class\n" + Array.from({ length: 20 }, (_, i) => `${i},${-i},${i % 2 ? "cat" : "dog"}`).join("\n"));
 * const ds = await datasetFromCsv(path, { label: "class", validationSplit: 0.25 });
 * if (ds.inputShape[0] !== 2 || ds.train.n !== 15 || ds.classNames!.join() !== "dog,cat") throw new Error();
 * await Deno.remove(path);
 * ```
 */
export async function datasetFromCsv(path: string, options: CsvDataOptions = {}): Promise<Dataset> {
  const rows = (await Deno.readTextFile(path)).split(/\r?\n/).filter((r) => r.trim() !== "")
    .map((r) => r.split(",").map((c) => c.trim()));
  if (rows.length < 2) throw new RangeError(`Cannot load "${path}": fewer than 2 rows`);
  const header = options.header ?? rows[0].some((c) => c === "" || isNaN(Number(c)));
  const names = header ? rows.shift()! : rows[0].map((_, i) => String(i));
  const col = typeof options.label === "string"
    ? names.indexOf(options.label)
    : options.label ?? names.length - 1;
  if (col < 0 || col >= names.length) {
    throw new RangeError(
      `Cannot find label column "${options.label}" in "${path}": expected one of ${
        names.join(", ")
      }`,
    );
  }
  const d = names.length - 1;
  const x = new Float32Array(rows.length * d);
  const y = new Int32Array(rows.length);
  const classes = new Map<string, number>();
  rows.forEach((r, i) => {
    if (r.length !== names.length) {
      throw new RangeError(
        `Cannot load "${path}": row ${i + 1} has ${r.length} cells, not ${names.length}`,
      );
    }
    let k = 0;
    r.forEach((c, j) => {
      if (j === col) {
        if (!classes.has(c)) classes.set(c, classes.size);
        y[i] = classes.get(c)!;
      } else {
        const v = Number(c);
        if (c === "" || !Number.isFinite(v)) {
          throw new RangeError(
            `Cannot load "${path}": row ${i + 1}, column ${names[j]} is "${c}", not a number`,
          );
        }
        x[i * d + k++] = v;
      }
    });
  });
  const numeric = [...classes.keys()].every((c) => /^\d+$/.test(c));
  const labels = numeric ? Int32Array.from(y, (v) => Number([...classes.keys()][v])) : y;
  const ds = datasetFromArrays(x, labels, {
    ...options,
    inputShape: [d],
    id: options.id ?? `csv:${path}`,
  });
  return { ...ds, source: path, ...(numeric ? {} : { classNames: [...classes.keys()] }) };
}
