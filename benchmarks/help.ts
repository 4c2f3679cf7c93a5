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
    summary: "Training throughput (ms/step, GFLOP/s) of LeNet-300-100 and LeNet-5-Caffe, plain " +
      "and with L0 gates, on wasm and wasm+BLAS (each in a child process); writes " +
      "results/perf/perf.csv.",
    usage: ["deno task perf [--quick] [--only mlp|conv] [--profile]"],
    options: [
      {
        name: "quick",
        type: "boolean",
        doc: "2 warm-up + 10 timed steps, 1 repeat (a smoke test)",
      },
      { name: "only", type: "string", value: "mlp|conv", doc: "one net only (default: both)" },
      {
        name: "profile",
        type: "boolean",
        doc: "add a per-kernel profile of the gated nets (results/perf/profile.csv)",
      },
      { name: "variant", type: "string", value: "wasm|wasm+blas", doc: "internal: child process" },
    ],
    examples: ["deno task perf --quick", "deno task perf --only conv --profile"],
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
