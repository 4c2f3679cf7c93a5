/**
 * The papers' recipes (`deno task bench --suite paper`), from docs (methods.md §1.4, §4.3, §5.2):
 * full MNIST, 200 epochs for the L0 family (Adam 1e-3, batch 100, EMA 0.999 of all parameters),
 * 250 epochs of SGD (lr 0.1, momentum 0.9, batch 100) for HALO, and the same budgets for the
 * other methods so comparisons stay fair.
 *
 * Where the reference code's recipe differs per method, the method's entries follow it
 * (docs/methods/*.md, checked side by side by `deno task validate:reference`):
 * - `l0-hc` on LeNet-300-100: `L0MLP` defaults: expected L2 λ₂ = N·5e-4 (`weightDecay` 5e-4),
 *   EMA 0.999 of all parameters (log α included), He-normal weights.
 * - `l0-hc` on LeNet-5-Caffe: `train_lenet5.py`: no EMA (`L0LeNet5` is built without
 *   `beta_ema`), L2 prior precision 5e-4 *not* multiplied by N (`weightDecay` 5e-4/N: the
 *   reference's effective, near-zero L2), He-normal weights, conv biases fixed at 0 (absent).
 * - `dam`: no EMA (dam-pytorch has none).
 * - `halo`: `mnist.py`'s SGD; λ takes the weights' optimizer (the method's default).
 *
 * Time on CPU (wasm + OpenBLAS, one process; docs/perf.md): the `l0-hc` LeNet-300-100 run takes
 * 247 s for its 200 epochs (measured; 2.3 s per epoch at first, 0.9 s once removal has shrunk the
 * network), the other LeNet-300-100 runs 1.5–3.6 s per epoch (≈ 5–12 min), LeNet-5-Caffe runs
 * ≈ 25 s per epoch (≈ 1.4 h). The whole suite (2 archs × 7 methods × 3 seeds, plus the λ sweeps
 * and the 2× width) is ≈ 50 CPU-hours: run it sharded on a cluster (README: Slurm / Kubernetes) or
 * on a GPU backend (`--backend tensorflow-gpu`).
 *
 * @module
 */
import type { SuiteSpec } from "../../src/harness/suite.ts";

/** The paper-recipe suite. */
export const suite = {
  id: "paper",
  description: "Paper-length recipes on full MNIST (L0: 200 epochs Adam 1e-3 with EMA 0.999, " +
    "l0-hc and dam as their reference code; HALO: 250 epochs SGD 0.1 momentum 0.9). Hours per " +
    "run on CPU; shard it.",
  datasets: ["mnist"],
  archs: [{ id: "lenet-300-100", widths: [1, 2] }, { id: "lenet-5-caffe", widths: [1] }],
  methods: [
    { id: "dense" },
    { id: "magnitude", hparams: { targets: [0.5, 0.75, 0.875, 0.9375, 0.96875] } },
    { id: "gmp", hparams: { finalSparsity: 0.9 } },
    {
      id: "l0-hc",
      archs: ["lenet-300-100"],
      hparams: { weightDecay: 5e-4 },
      grid: { lambda: [0.1, 1] },
      recipe: { model: { init: "he-normal" } },
    },
    {
      id: "l0-hc",
      archs: ["lenet-5-caffe"],
      hparams: { weightDecay: 5e-4 / 60000 },
      grid: { lambda: [0.1, 1] },
      recipe: { ema: null, model: { init: "he-normal", convBias: false } },
    },
    { id: "diffprune", grid: { lambda: [0.1, 1] } },
    { id: "vbp" },
    { id: "dam", hparams: { lambda: 0.2 }, recipe: { ema: null } },
    {
      id: "halo",
      recipe: {
        epochs: 250,
        optimizer: { kind: "sgd", lr: 0.1, momentum: 0.9 },
        schedule: { kind: "multistep", milestones: [42, 84, 125, 167, 209], gamma: 0.1 },
        ema: null,
      },
    },
  ],
  seeds: [1, 2, 3],
  recipe: {
    epochs: 200,
    batchSize: 100,
    optimizer: { kind: "adam", lr: 1e-3 },
    schedule: { kind: "constant" },
    ema: 0.999,
    latency: { batch: 100, repeats: 20 },
  },
} satisfies SuiteSpec;
