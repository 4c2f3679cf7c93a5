/**
 * The default suite (`deno task bench`): every method on real MNIST (plus one-shot magnitude
 * pruning, HALO's comparison), LeNet-300-100 at initial widths 0.5×, 1× and 2× and LeNet-5-Caffe
 * at 1×, 3 seeds, one shared recipe (same epochs, optimizer and batch size for every method).
 * Sized to finish within an hour on a 2-core machine with `--jobs 2` (about 30 minutes measured);
 * the paper-length recipes are in `paper.ts`.
 *
 * LeNet-5-Caffe trains on a fixed 20,000-example subset of MNIST's training set (the first
 * 20,000) because a full epoch takes over a minute per process on CPU; its test set is full.
 *
 * @module
 */
import type { SuiteSpec } from "../../src/harness/suite.ts";

/** The default comparison suite. */
export const suite = {
  id: "default",
  description:
    "All methods and one-shot magnitude pruning on MNIST: LeNet-300-100 at widths 0.5/1/2 and " +
    "LeNet-5-Caffe at 1, 3 seeds, " +
    "Adam 1e-3, batch 100, equal epochs for every method.",
  datasets: ["mnist"],
  archs: [
    { id: "lenet-300-100", widths: [0.5, 1, 2] },
    { id: "lenet-5-caffe", widths: [1], recipe: { trainLimit: 20000, epochs: 3 } },
  ],
  methods: [
    { id: "dense" },
    // one-shot magnitude pruning at HALO's targets, without fine-tuning: HALO's paper compares
    // against exactly this at equal sparsity
    { id: "magnitude", hparams: { targets: [0.5, 0.7, 0.9, 0.95], fineTuneEpochs: 0 } },
    { id: "gmp", hparams: { finalSparsity: 0.9 } },
    { id: "l0-hc", hparams: { lambda: 0.1 } },
    { id: "diffprune", hparams: { lambda: 0.1 } },
    { id: "vbp" },
    { id: "dam" },
    { id: "halo" },
  ],
  seeds: [1, 2, 3],
  recipe: {
    epochs: 5,
    batchSize: 100,
    optimizer: { kind: "adam", lr: 1e-3 },
    schedule: { kind: "constant" },
    latency: { batch: 100, repeats: 30 },
  },
} satisfies SuiteSpec;
