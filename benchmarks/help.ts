/**
 * `--help` of the benchmark scripts (`deno task perf`, `validate:l0`, `validate:methods`,
 * `validate:reference`): options, defaults and examples, parsed by `src/util/usage.ts`.
 *
 * @module
 */
import type { CommandHelp, OptionHelp } from "../src/util/usage.ts";

const BACKEND: OptionHelp = {
  name: "backend",
  type: "string",
  value: "wasm|cpu",
  default: "wasm",
  doc: "tfjs backend",
};

/** Help of each benchmark script, keyed by its deno task. */
export const SCRIPTS: Readonly<Record<string, CommandHelp>> = {
  perf: {
    command: "deno task perf",
    summary: "Speed of the real training engine (Network + a registered method + fit() with " +
      "penalty, Adam, EMA and hooks) on real MNIST, batch 100: s/epoch, eval throughput, a " +
      "per-phase step profile and kernel counts; writes results/perf/perf.csv and kernels.csv. " +
      "--training runs the removal on/off evidence instead (results/perf/training.csv).",
    usage: [
      "deno task perf [--quick | --full] [--arch a,b] [--methods m,n] [--backend wasm|cpu]",
      "deno task perf --training [--epochs 10] [--arch lenet-300-100] [--methods l0-hc,dam]",
    ],
    options: [
      { name: "quick", type: "boolean", doc: "fewer timed steps (a smoke test)" },
      { name: "full", type: "boolean", doc: "time one full training epoch per configuration" },
      {
        name: "training",
        type: "boolean",
        doc: "removal during training on vs off: full training runs (l0-hc, dam, diffprune)",
      },
      {
        name: "epochs",
        type: "string",
        value: "N",
        default: "10",
        doc: "epochs of each --training run",
      },
      {
        name: "arch",
        type: "string",
        value: "ids",
        doc: "lenet-300-100,lenet-5-caffe (default: both; --training: lenet-300-100)",
      },
      {
        name: "methods",
        type: "string",
        value: "ids",
        doc: "dense,l0-hc,diffprune,vbp,dam,halo (default: all; --training: l0-hc,dam,diffprune)",
      },
      BACKEND,
      { name: "no-blas", type: "boolean", doc: "turn native BLAS off" },
    ],
    examples: [
      "deno task perf --quick",
      "deno task perf --training --epochs 30 --methods l0-hc",
    ],
  },
  "validate:l0": {
    command: "deno task validate:l0",
    summary:
      "Validation of the L0 family on real MNIST (LeNet-300-100): PASS/FAIL per check with " +
      "its numbers; writes results/validate-l0/report.txt; exits 1 on any FAIL. About 6 minutes " +
      "of one core.",
    usage: ["deno task validate:l0 [--quick] [--backend wasm|cpu]"],
    options: [
      {
        name: "quick",
        type: "boolean",
        doc: "10k subset, 2 epochs: a pipeline check (full-budget checks print SKIP)",
      },
      BACKEND,
    ],
    examples: ["deno task validate:l0 --quick", "deno task validate:l0 --backend cpu"],
  },
  "validate:methods": {
    command: "deno task validate:methods",
    summary: "Small-scale validation of vbp, dam and halo (PASS/FAIL with numbers); writes " +
      "results/validate-methods/report.txt; exits 1 on any FAIL. About 15 minutes on 2 cores.",
    usage: ["deno task validate:methods [--quick] [--long] [--only SECTIONS] [--backend B]"],
    options: [
      { name: "quick", type: "boolean", doc: "smaller subsets and fewer epochs" },
      { name: "long", type: "boolean", doc: "add vbp on LeNet-5-Caffe (section vbp-lenet5)" },
      {
        name: "only",
        type: "string",
        value: "LIST",
        default: "dam,halo,vbp",
        doc: "comma-separated sections among dam, halo, vbp, vbp-lenet5",
      },
      BACKEND,
    ],
    examples: ["deno task validate:methods --quick", "deno task validate:methods --only dam,halo"],
  },
  "validate:reference": {
    command: "deno task validate:reference",
    summary:
      "Trains the recipes run with the authors' code (benchmarks/reference/authors.ts) and " +
      "prints ours vs theirs; writes results/validate-reference/report.txt; exits 1 on any FAIL.",
    usage: ["deno task validate:reference [--only IDS] [--backend B] [--smoke]"],
    options: [
      {
        name: "only",
        type: "string",
        value: "IDS",
        doc: "comma-separated check ids, e.g. l0-mlp,dam-mlp (default: all)",
      },
      BACKEND,
      {
        name: "smoke",
        type: "boolean",
        doc: "1 epoch on 2000 images: exercises the code, compares nothing",
      },
    ],
    examples: [
      "deno task validate:reference --smoke",
      "deno task validate:reference --only l0-mlp",
    ],
  },
};
