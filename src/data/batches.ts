/**
 * The input pipeline: uint8 images stay in memory and become float32 one batch at a time
 * (scaled to [0, 1], optionally per-channel normalised), with seeded per-epoch shuffling, an
 * explicit last-batch policy, CIFAR-style augmentation and a fixed seeded validation split.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { Rng } from "../util/rng.ts";
import type { BatchOptions, Dataset, DataSplit } from "./types.ts";

/** Padding of the `crop-flip` augmentation, in pixels. */
export const CROP_PADDING = 4;

function check(cond: boolean, msg: string): void {
  if (!cond) throw new RangeError(msg);
}

/**
 * Builds the float32 inputs of the examples `indices` into `out` (`indices.length * D` values).
 * Uint8 inputs go through a per-channel lookup table (v/255, then (· − mean)/std when
 * `normalize`). With `augment: "crop-flip"` each image is shifted by a random crop of its
 * 4-pixel zero-padded version and flipped horizontally with probability 1/2, drawing
 * (dy, dx, flip) per image from `rng`. Exported for benchmarks and tests; most callers use
 * {@linkcode batches}.
 */
export function assembleInputs(
  split: DataSplit,
  dataset: Dataset,
  indices: ArrayLike<number>,
  out: Float32Array,
  options: { normalize?: boolean; augment?: "none" | "crop-flip"; rng?: Rng } = {},
): Float32Array {
  const shape = dataset.inputShape;
  const d = shape.reduce((a, b) => a * b, 1);
  const c = shape.length === 3 ? shape[2] : 1;
  const norm = options.normalize ? dataset.normalization : undefined;
  check(
    !options.normalize || norm !== undefined,
    `Cannot normalise ${dataset.id}: it has no mean/std`,
  );
  const src = split.x;
  const mean = (k: number) => norm ? norm.mean[k % norm.mean.length] : 0;
  const std = (k: number) => norm ? norm.std[k % norm.std.length] : 1;
  const augment = options.augment === "crop-flip";
  if (src instanceof Float32Array) {
    check(!augment || shape.length === 3, `Cannot augment ${dataset.id}: inputs are not images`);
    for (let b = 0; b < indices.length; b++) {
      const s = indices[b] * d, o = b * d;
      for (let i = 0; i < d; i++) {
        out[o + i] = norm ? (src[s + i] - mean(i % c)) / std(i % c) : src[s + i];
      }
    }
    if (augment) cropFlip(out, indices.length, shape, options.rng!);
    return out;
  }
  const lut = new Float32Array(c * 256);
  for (let k = 0; k < c; k++) {
    for (let v = 0; v < 256; v++) lut[k * 256 + v] = (v / 255 - mean(k)) / std(k);
  }
  if (augment) {
    check(shape.length === 3, `Cannot augment ${dataset.id}: inputs are not images`);
    cropFlipUint8(src, indices, shape, lut, out, options.rng!);
  } else if (c === 1) {
    for (let b = 0; b < indices.length; b++) {
      const s = indices[b] * d, o = b * d;
      for (let i = 0; i < d; i++) out[o + i] = lut[src[s + i]];
    }
  } else {
    for (let b = 0; b < indices.length; b++) {
      const s = indices[b] * d, o = b * d;
      for (let i = 0; i < d; i += c) {
        for (let k = 0; k < c; k++) out[o + i + k] = lut[k * 256 + src[s + i + k]];
      }
    }
  }
  return out;
}

/** Draws one image's crop offsets (dy, dx in [−4, 4]) and flip. */
function draw(rng: Rng): [number, number, boolean] {
  const dy = rng.int(2 * CROP_PADDING + 1) - CROP_PADDING;
  const dx = rng.int(2 * CROP_PADDING + 1) - CROP_PADDING;
  return [dy, dx, rng.next() < 0.5];
}

/** Augments uint8 images straight into `out` (padding = pixel value 0 through the LUT). */
function cropFlipUint8(
  src: Uint8Array,
  indices: ArrayLike<number>,
  shape: number[],
  lut: Float32Array,
  out: Float32Array,
  rng: Rng,
): void {
  const [h, w, c] = shape, d = h * w * c;
  for (let b = 0; b < indices.length; b++) {
    const [dy, dx, flip] = draw(rng);
    const s = indices[b] * d, o = b * d;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      for (let x = 0; x < w; x++) {
        const sx = (flip ? w - 1 - x : x) + dx;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        const so = s + (sy * w + sx) * c, oo = o + (y * w + x) * c;
        for (let k = 0; k < c; k++) out[oo + k] = lut[k * 256 + (inside ? src[so + k] : 0)];
      }
    }
  }
}

/** Augments float images in place in `out` (padding = 0). */
function cropFlip(out: Float32Array, n: number, shape: number[], rng: Rng): void {
  const [h, w, c] = shape, d = h * w * c;
  const tmp = new Float32Array(d);
  for (let b = 0; b < n; b++) {
    const [dy, dx, flip] = draw(rng);
    tmp.set(out.subarray(b * d, (b + 1) * d));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sy = y + dy, sx = (flip ? w - 1 - x : x) + dx;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        for (let k = 0; k < c; k++) {
          out[b * d + (y * w + x) * c + k] = inside ? tmp[(sy * w + sx) * c + k] : 0;
        }
      }
    }
  }
}

/** The example order of an epoch: identity, or a permutation seeded by (seed, epoch). */
export function epochOrder(n: number, shuffle: boolean, seed = 0, epoch = 0): Int32Array {
  if (shuffle) return new Rng(seed, 1_000_000 + epoch).permutation(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/**
 * Yields batches as tensors that the caller disposes: `x` float32 `[B, ...inputShape]` (or
 * `[B, D]` with `flatten`), `y` int32 `[B]` labels, or float32 `[B, targetDim]` for regression.
 * Same `seed` and `epoch` ⇒ same order and same augmentation.
 *
 * @example
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { batches } from "./batches.ts";
 * import { teacherTask } from "./synthetic.ts";
 * await tf.setBackend("cpu");
 * const ds = teacherTask(0);
 * let seen = 0;
 * for (const { x, y, size } of batches(ds.train, ds, { batchSize: 128, shuffle: true, seed: 1 })) {
 *   seen += size;
 *   tf.dispose([x, y]);
 * }
 * if (seen !== 5000) throw new Error(`saw ${seen}`);
 * ```
 */
export function* batches(
  split: DataSplit,
  dataset: Dataset,
  options: BatchOptions,
): Generator<{ x: tf.Tensor; y: tf.Tensor; size: number }> {
  const { batchSize } = options;
  check(
    Number.isInteger(batchSize) && batchSize > 0,
    `Batch size must be a positive integer: got ${batchSize}`,
  );
  const n = split.n;
  const d = dataset.inputShape.reduce((a, b) => a * b, 1);
  const regression = dataset.numClasses === 0;
  const targetDim = regression ? (n ? split.y.length / n : dataset.targetDim ?? 0) : 1;
  const seed = options.seed ?? 0, epoch = options.epoch ?? 0;
  const order = epochOrder(n, options.shuffle ?? false, seed, epoch);
  const rng = options.augment === "crop-flip" ? new Rng(seed, 2_000_000 + epoch) : undefined;
  const shape = options.flatten ? [d] : dataset.inputShape;
  // The wasm backend copies a new tensor's values into its heap, so one scratch buffer serves
  // every batch (a fresh 300 KB array per batch costs more than assembling it). Other backends
  // may keep a reference to the array (cpu does), so they get a fresh one each time.
  const reuse = tf.getBackend() === "wasm";
  let scratch = new Float32Array(0);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    if (size < batchSize && options.lastBatch === "drop") break;
    const idx = order.subarray(start, start + size);
    if (!reuse || scratch.length !== size * d) scratch = new Float32Array(size * d);
    const xb = assembleInputs(split, dataset, idx, scratch, {
      normalize: options.normalize,
      augment: options.augment,
      rng,
    });
    const x = tf.tensor(xb, [size, ...shape], "float32");
    let y: tf.Tensor;
    if (regression) {
      const yb = new Float32Array(size * targetDim);
      for (let b = 0; b < size; b++) {
        yb.set(split.y.subarray(idx[b] * targetDim, (idx[b] + 1) * targetDim), b * targetDim);
      }
      y = tf.tensor(yb, [size, targetDim], "float32");
    } else {
      const yb = new Int32Array(size);
      for (let b = 0; b < size; b++) yb[b] = split.y[idx[b]];
      y = tf.tensor(yb, [size], "int32");
    }
    yield { x, y, size };
  }
}

function take(split: DataSplit, idx: Int32Array): DataSplit {
  const px = split.n ? split.x.length / split.n : 0, py = split.n ? split.y.length / split.n : 0;
  const x = new (split.x.constructor as Uint8ArrayConstructor)(idx.length * px);
  const y = new (split.y.constructor as Uint8ArrayConstructor)(idx.length * py);
  idx.forEach((i, k) => {
    x.set(split.x.subarray(i * px, (i + 1) * px), k * px);
    y.set(split.y.subarray(i * py, (i + 1) * py), k * py);
  });
  return { x, y, n: idx.length } as DataSplit;
}

/**
 * Holds out a fixed, seeded random `fraction` of the training split as `val` (both parts keep
 * their original relative order). Same seed ⇒ same split.
 *
 * @example
 * ```ts
 * import { splitValidation } from "./batches.ts";
 * import { teacherTask } from "./synthetic.ts";
 * const ds = splitValidation(teacherTask(0), 0.1, 43);
 * if (ds.val?.n !== 500 || ds.train.n !== 4500) throw new Error("bad split");
 * ```
 */
export function splitValidation(dataset: Dataset, fraction: number, seed: number): Dataset {
  check(fraction > 0 && fraction < 1, `Validation fraction must be in (0, 1): got ${fraction}`);
  const n = dataset.train.n;
  const perm = new Rng(seed, 3_000_000).permutation(n);
  const k = Math.round(fraction * n);
  const held = perm.slice(0, k).sort();
  const rest = perm.slice(k).sort();
  return { ...dataset, train: take(dataset.train, rest), val: take(dataset.train, held) };
}
