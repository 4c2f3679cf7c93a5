/**
 * prunebench command line.
 *
 * ```
 * deno task bench [--suite default|smoke|paper|<file.ts>] [--jobs N] [--shard i/N] [--force]
 * deno task run --method l0-hc --arch lenet-300-100 [--width 1] [--seed 1] [--epochs 5] [--set lambda=1]
 * deno task list [suites|methods|archs|datasets]
 * deno task aggregate <results/dir> [more dirs…] --out <dir>
 * deno task report [results/<suite>]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "./src/util/errors.ts";
import { loadSuite, SUITES } from "./benchmarks/suites/mod.ts";
import { bench } from "./src/harness/bench.ts";
import { aggregateCommand } from "./src/harness/aggregate_command.ts";
import { listCommand } from "./src/harness/list.ts";
import { runWorker } from "./src/harness/worker.ts";
import { singleRunSuite } from "./src/harness/single.ts";
import { MIRROR_HOSTS } from "./src/data/mod.ts";
import { PRUNE_HELP, pruneCommand } from "./src/prune/command.ts";

const HELP = `prunebench — learned neural-network pruning benchmarks

Usage:
  cli.ts bench [--suite ID|FILE] [--jobs N] [--shard i/N] [--force] [--retry-failed]
               [--out DIR] [--backend wasm|cpu|webgpu|tensorflow] [--data-dir DIR] [--no-report]
  cli.ts run --method ID --arch ID [--dataset mnist] [--width 1] [--seed 1] [--epochs N]
             [--batch-size 100] [--lr 1e-3] [--train-limit N] [--set key=value ...]
${PRUNE_HELP}
  cli.ts list [suites|methods|archs|datasets]
  cli.ts aggregate DIR [DIR ...] --out DIR
  cli.ts report [DIR]

Suites: ${Object.keys(SUITES).join(", ")} (or a path to a .ts module exporting \`suite\`).`;

/** Arguments every worker process gets (the same permissions as the bench task). */
function workerCommand(): string[] {
  const cache = Deno.env.get("PRUNEBENCH_CACHE_DIR") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/prunebench`;
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    "--allow-read",
    `--allow-write=results,${cache}`,
    "--allow-env",
    "--allow-sys",
    "--allow-ffi",
    "--allow-run=git",
    `--allow-net=${MIRROR_HOSTS.join(",")}`,
    new URL("./cli.ts", import.meta.url).pathname,
    "worker",
  ];
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "bench": {
      const { values } = parseArgs({
        args: rest,
        options: {
          suite: { type: "string", default: "default" },
          jobs: { type: "string" },
          shard: { type: "string" },
          force: { type: "boolean" },
          "retry-failed": { type: "boolean" },
          out: { type: "string", default: "results" },
          backend: { type: "string", default: "wasm" },
          "data-dir": { type: "string" },
          "no-report": { type: "boolean" },
        },
      });
      const suite = await loadSuite(values.suite!);
      return await runBench(suite, values);
    }
    case "run": {
      if (rest.some((a) => a === "--model" || a.startsWith("--model="))) {
        return await pruneCommand(rest);
      }
      const { values } = parseArgs({
        args: rest,
        options: {
          method: { type: "string" },
          arch: { type: "string" },
          dataset: { type: "string", default: "mnist" },
          width: { type: "string", default: "1" },
          seed: { type: "string", default: "1" },
          epochs: { type: "string" },
          "batch-size": { type: "string" },
          lr: { type: "string" },
          "train-limit": { type: "string" },
          set: { type: "string", multiple: true },
          out: { type: "string", default: "results" },
          backend: { type: "string", default: "wasm" },
          "data-dir": { type: "string" },
          force: { type: "boolean" },
          "no-report": { type: "boolean" },
        },
      });
      return await runBench(singleRunSuite(values), { ...values, jobs: "1" });
    }
    case "worker":
      return await runWorker(rest[0]);
    case "list":
      return await listCommand(rest);
    case "aggregate":
      return await aggregateCommand(rest);
    case "report": {
      const { reportCommand } = await import("./src/report/mod.ts");
      return await reportCommand(rest);
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return 0;
    default:
      console.error(
        `Unknown command "${cmd}": expected one of "bench", "run", "list", "aggregate", "report"\n\n${HELP}`,
      );
      return 2;
  }
}

async function runBench(
  suite: Parameters<typeof bench>[0],
  values: Record<string, string | boolean | string[] | undefined>,
): Promise<number> {
  const jobs = values.jobs ? Number(values.jobs) : navigator.hardwareConcurrency ?? 2;
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new ConfigError([`--jobs ${values.jobs} must be an integer ≥ 1`]);
  }
  const summary = await bench(suite, {
    out: values.out as string,
    jobs,
    shard: values.shard as string | undefined,
    force: !!values.force,
    retryFailed: !!values["retry-failed"],
    backend: values.backend as string,
    dataDir: values["data-dir"] as string | undefined,
    workerCommand: workerCommand(),
  });
  const dir = `${values.out}/${suite.id}`;
  console.log(
    `\n${suite.id}: ${summary.total} runs, ${summary.skipped} skipped, ${summary.ok} ok, ${summary.failed} failed ` +
      `in ${summary.wallSeconds.toFixed(0)} s. Results: ${dir}/runs.csv, ${dir}/summary.csv`,
  );
  if (!values["no-report"]) {
    try {
      const { writeReport } = await import("./src/report/mod.ts");
      const rep = await writeReport(dir);
      console.log(`Report: ${rep.html}`);
    } catch (e) {
      console.error(`prunebench: the report could not be written: ${(e as Error).message}`);
    }
  }
  if (summary.failures.length) {
    console.error(
      `\n${summary.failures.length} problem(s):\n${
        summary.failures.map((f) => `  - ${f}`).join("\n")
      }`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RangeError || e instanceof TypeError) {
      console.error(`error: ${(e as Error).message}`);
      Deno.exit(2);
    }
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      console.error(
        `error: ${
          (e as Error).message
        }\nThe deno tasks read the repository and write only results/ and the ` +
          `dataset cache; to use other folders run cli.ts with "deno run" and the extra --allow-read/--allow-write flags.`,
      );
      Deno.exit(2);
    }
    throw e;
  }
}
