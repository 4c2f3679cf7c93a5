/**
 * The commands of `cli.ts`: their options, defaults, examples and help text (one declaration each,
 * used both to parse the command line and to answer `--help`).
 *
 * @module
 */
import type { CommandHelp } from "../util/usage.ts";

const EXIT =
  "Exit codes: 0 all runs ok; 1 some run failed, a filesystem fault, or a bug (with its " +
  "stack);\n2 invalid configuration or command line (every problem listed, nothing run).";

const BACKEND = {
  name: "backend",
  type: "string",
  value: "wasm|cpu|webgpu|tensorflow",
  default: "wasm",
  doc: "tfjs backend of the workers",
} as const;
const DATA_DIR = {
  name: "data-dir",
  type: "string",
  value: "DIR",
  doc: "folder with the datasets' files (default: $PRUNEBENCH_DATA or the cache, " +
    "~/.cache/prunebench)",
} as const;
const OUT = {
  name: "out",
  type: "string",
  value: "DIR",
  default: "results",
  doc: "results root; the suite writes <out>/<suite>/",
} as const;
const NO_REPORT = {
  name: "no-report",
  type: "boolean",
  doc: "skip writing the charts and report.html at the end",
} as const;
const FORCE = {
  name: "force",
  type: "boolean",
  doc: "re-run finished runs instead of resuming",
} as const;

/** Help and options of every `cli.ts` command, keyed by command. */
export const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  bench: {
    command: "deno task bench",
    summary: "Runs a benchmark suite (methods × archs × datasets × widths × seeds) in worker " +
      "processes, resuming finished runs, then writes runs.csv, history.csv, summary.csv, " +
      "manifest.json and the report.",
    usage: ["deno task bench [options]"],
    options: [
      {
        name: "suite",
        type: "string",
        value: "ID|FILE",
        default: "default",
        doc: "suite id (see `deno task list suites`) or a .ts module exporting `suite`",
      },
      {
        name: "jobs",
        type: "string",
        value: "N",
        doc: "worker processes run at once (default: the number of CPUs)",
      },
      {
        name: "shard",
        type: "string",
        value: "i/N",
        doc: "run only shard i of N (1-based); merge shards with `deno task aggregate`",
      },
      FORCE,
      { name: "retry-failed", type: "boolean", doc: "re-run runs that failed before" },
      OUT,
      BACKEND,
      DATA_DIR,
      NO_REPORT,
    ],
    examples: [
      "deno task bench --suite smoke --out /tmp/smoke",
      "deno task bench --suite default --jobs 2 --shard 1/2",
    ],
    notes: EXIT,
  },
  run: {
    command: "deno task run",
    summary: "Trains one configuration (a one-run suite named `run`, accumulated under " +
      "<out>/run/) and reports it. Hyperparameters: `deno task list <method>`.",
    usage: ["deno task run --method ID --arch ID [options] [--set key=value ...]"],
    options: [
      { name: "method", type: "string", value: "ID", doc: "pruning method (required)" },
      { name: "arch", type: "string", value: "ID", doc: "architecture (required)" },
      { name: "dataset", type: "string", value: "ID", default: "mnist", doc: "dataset" },
      {
        name: "width",
        type: "string",
        value: "W",
        default: "1",
        doc: "width multiplier of the architecture's layers",
      },
      { name: "seed", type: "string", value: "N", default: "1", doc: "seed (whole number)" },
      { name: "epochs", type: "string", value: "N", default: "5", doc: "training epochs" },
      { name: "batch-size", type: "string", value: "N", default: "100", doc: "batch size" },
      { name: "lr", type: "string", value: "X", default: "1e-3", doc: "learning rate (Adam)" },
      {
        name: "train-limit",
        type: "string",
        value: "N",
        doc: "train on the first N images only (default: all)",
      },
      {
        name: "set",
        type: "string",
        value: "key=value",
        multiple: true,
        doc: "method hyperparameter; the value is JSON when it parses (e.g. lambda=0.1)",
      },
      OUT,
      BACKEND,
      DATA_DIR,
      FORCE,
      NO_REPORT,
    ],
    examples: [
      "deno task run --method l0-hc --arch lenet-300-100 --epochs 1 --train-limit 2000",
      "deno task run --method dam --arch lenet-5-caffe --width 0.5 --set lambda=0.01",
    ],
    notes: EXIT,
  },
  list: {
    command: "deno task list",
    summary: "Lists what can be benchmarked: suites, methods, architectures, datasets; or shows " +
      "one of them in detail (a method's hyperparameters with types, defaults, ranges and docs).",
    usage: [
      "deno task list [suites|methods|archs|datasets ...]",
      "deno task list <method|arch|dataset|suite id>",
    ],
    options: [DATA_DIR],
    examples: ["deno task list methods", "deno task list l0-hc"],
    positionals: true,
  },
  aggregate: {
    command: "deno task aggregate",
    summary: "Merges the finished runs of several results folders of one suite (e.g. shards " +
      "from several machines) into one folder and recomputes its CSV files.",
    usage: ["deno task aggregate DIR [DIR ...] --out DIR"],
    options: [{ name: "out", type: "string", value: "DIR", doc: "merged folder (required)" }],
    examples: [
      "deno task aggregate results-a/default results-b/default --out results/default",
      "deno task aggregate results/smoke --out results/smoke",
    ],
    positionals: true,
  },
  report: {
    command: "deno task report",
    summary: "Writes <dir>/charts/<name>.{vl.json,svg,png}, <dir>/report.html (interactive) " +
      "and <dir>/summary.md from the CSV files of a results folder.",
    usage: ["deno task report [options] [DIR]   (DIR default: results/default)"],
    options: [
      {
        name: "png-width",
        type: "string",
        value: "PX",
        default: "1200",
        doc: "width of the PNG charts",
      },
      { name: "no-png", type: "boolean", doc: "write only .vl.json and .svg charts" },
      { name: "quiet", short: "q", type: "boolean", doc: "print only errors" },
    ],
    examples: ["deno task report results/smoke", "deno task report --no-png results/default"],
    positionals: true,
  },
};

/** The overview `cli.ts --help` prints: every command's usage and options, the built-in suites. */
export function overviewHelp(suiteIds: readonly string[], pruneHelp: string): string {
  return `prunebench — learned neural-network pruning benchmarks

Usage:
${
    Object.values(COMMANDS).map((c) =>
      `  ${c.usage[0]}\n      ${c.options.map((o) => `--${o.name}`).join(" ")}`
    ).join("\n")
  }
${pruneHelp}
  deno task perf | validate:l0 | validate:methods | validate:reference [--help]

Each command answers --help (e.g. deno task bench --help) with its options, defaults and examples.
Suites: ${suiteIds.join(", ")} (or a path to a .ts module exporting \`suite\`).

Exit codes: 0 all runs ok; 1 some run failed, a filesystem fault, or a bug (with its stack);
2 invalid configuration or command line (every problem listed, nothing run).`;
}
