/**
 * Smoke suite (`deno task bench --suite smoke`): every method once on a small MNIST subset with a
 * tiny budget — checks the whole pipeline end to end within a minute. Numbers are not meaningful,
 * and the report says what one seed, one width and one strength per method cannot show.
 *
 * @module
 */
import type { SuiteSpec } from "../../src/harness/suite.ts";

/** The smoke suite. */
export const suite = {
  id: "smoke",
  description:
    "Every method once, LeNet-300-100 on 2,000 MNIST images for 2 epochs: a pipeline check.",
  datasets: ["mnist"],
  archs: [{ id: "lenet-300-100", widths: [0.5] }],
  methods: [
    { id: "dense" },
    { id: "magnitude", hparams: { targets: [0.5, 0.9] } },
    { id: "gmp" },
    { id: "random" },
    { id: "random-unit", hparams: { targets: [0.5, 0.9] } },
    { id: "l0-hc" },
    { id: "diffprune" },
    { id: "vbp" },
    { id: "dam" },
    { id: "halo" },
  ],
  seeds: [1],
  recipe: {
    epochs: 2,
    batchSize: 100,
    optimizer: { kind: "adam", lr: 1e-3 },
    trainLimit: 2000,
    testLimit: 1000,
    latency: { batch: 100, repeats: 3 },
  },
} satisfies SuiteSpec;
