/**
 * Seeded synthetic tasks for tests and method checks, generated in plain JS (identical on every
 * backend and platform for a given seed):
 *
 * - `synthetic:teacher`: classification by a random teacher network. x ~ N(0, I₂₀); a 20-32-10
 *   tanh MLP with N(0, 1/fan_in) weights and zero biases; label = argmax of its logits.
 *   5,000 train / 1,000 test examples.
 * - `synthetic:lowrank`: DAM's linear dimensionality-reduction check (docs/methods.md §4.3):
 *   a 10-dim N(0, I) latent mapped by a random linear layer (no bias; weights
 *   U(−1/√10, 1/√10), PyTorch's `nn.Linear` default) to d = 100. N = 5,000 training points
 *   (plus 1,000 test points from the same map). Regression targets: y = x (auto-encoding).
 *
 * @module
 */
import { Rng } from "../util/rng.ts";
import type { Dataset, LoadOptions } from "./types.ts";

/** Sizes of the teacher task. */
export const TEACHER = { inputDim: 20, hidden: 32, classes: 10, train: 5000, test: 1000 } as const;
/** Sizes of the low-rank task. */
export const LOWRANK = { latent: 10, dim: 100, train: 5000, test: 1000 } as const;

function normals(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

/** out[n, cols] = a[n, inner] · w[inner, cols] (row-major). */
function matmul(
  a: Float32Array,
  w: Float32Array,
  n: number,
  inner: number,
  cols: number,
): Float32Array {
  const out = new Float32Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inner; k++) {
      const v = a[i * inner + k];
      if (v === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j] += v * w[k * cols + j];
    }
  }
  return out;
}

/**
 * The teacher-network classification task.
 *
 * @example
 * ```ts
 * import { teacherTask } from "./synthetic.ts";
 * const a = teacherTask(1), b = teacherTask(1);
 * if (a.train.y[7] !== b.train.y[7] || a.train.n !== 5000) throw new Error("not reproducible");
 * ```
 */
export function teacherTask(seed = 0): Dataset {
  const { inputDim, hidden, classes } = TEACHER;
  const wrng = new Rng(seed, 101);
  const w1 = normals(wrng, inputDim * hidden, 1 / Math.sqrt(inputDim));
  const w2 = normals(wrng, hidden * classes, 1 / Math.sqrt(hidden));
  const make = (n: number, stream: number) => {
    const x = normals(new Rng(seed, stream), n * inputDim);
    const h = matmul(x, w1, n, inputDim, hidden).map(Math.tanh);
    const logits = matmul(h, w2, n, hidden, classes);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) {
        if (logits[i * classes + c] > logits[i * classes + best]) best = c;
      }
      y[i] = best;
    }
    return { x, y, n };
  };
  return {
    id: "synthetic:teacher",
    label: `Synthetic teacher ${inputDim}-${hidden}-${classes} (seed ${seed})`,
    inputShape: [inputDim],
    numClasses: classes,
    train: make(TEACHER.train, 102),
    test: make(TEACHER.test, 103),
    source: `generated (seed ${seed})`,
  };
}

/**
 * DAM's low-rank linear data: rank-10 points in 100 dimensions; targets equal inputs.
 *
 * @example
 * ```ts
 * import { lowRankTask } from "./synthetic.ts";
 * const d = lowRankTask(0);
 * if (d.inputShape[0] !== 100 || d.train.n !== 5000 || d.numClasses !== 0) throw new Error("shape");
 * ```
 */
export function lowRankTask(seed = 0): Dataset {
  const { latent, dim } = LOWRANK;
  const wrng = new Rng(seed, 201);
  const bound = 1 / Math.sqrt(latent);
  const w = new Float32Array(latent * dim);
  for (let i = 0; i < w.length; i++) w[i] = (2 * wrng.next() - 1) * bound;
  const make = (n: number, stream: number) => {
    const z = normals(new Rng(seed, stream), n * latent);
    const x = matmul(z, w, n, latent, dim);
    return { x, y: x.slice(), n };
  };
  return {
    id: "synthetic:lowrank",
    label: `Synthetic low-rank linear (rank ${latent} in ${dim} dims, seed ${seed})`,
    inputShape: [dim],
    numClasses: 0,
    targetDim: dim,
    train: make(LOWRANK.train, 202),
    test: make(LOWRANK.test, 203),
    source: `generated (seed ${seed})`,
  };
}

/** Synthetic task generators by id. */
export const SYNTHETIC: Readonly<Record<string, (seed: number) => Dataset>> = {
  "synthetic:teacher": teacherTask,
  "synthetic:lowrank": lowRankTask,
};

/** Generates a synthetic task and applies `trainLimit`/`testLimit`. */
export function loadSynthetic(
  id: string,
  generate: (seed: number) => Dataset,
  options: LoadOptions,
): Dataset {
  const ds = generate(options.seed ?? 0);
  const limit = (s: Dataset["train"], k?: number) => {
    if (k === undefined || k >= s.n) return s;
    const px = s.x.length / s.n, py = s.y.length / s.n;
    return { x: s.x.subarray(0, k * px), y: s.y.subarray(0, k * py), n: k };
  };
  return {
    ...ds,
    id,
    train: limit(ds.train, options.trainLimit),
    test: limit(ds.test, options.testLimit),
  };
}
