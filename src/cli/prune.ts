/**
 * `deno task run --model path/to/model.json --data ID|file.csv [...]`: {@linkcode pruneModel} from
 * the command line. Prints before/after accuracy, kept units per layer, params, MACs and latency;
 * writes the pruned model (`model.json`, `weights.bin`) and `result.json` to `--out`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { basename, join } from "node:path";
import type { Dataset } from "../data/types.ts";
import { loadDataset } from "../data/mod.ts";
import { splitValidation } from "../data/batches.ts";
import { datasetFromCsv } from "../data/arrays.ts";
import { type BackendName, initBackend } from "../runtime/backend.ts";
import { ConfigError } from "../util/errors.ts";
import { pruneModel, type PruneModelResult } from "../prune/prune_model.ts";

/** Help of the command. */
export const PRUNE_HELP =
  `  cli.ts run --model path/to/model.json|URL --data mnist|imagefolder:DIR|file.csv [--method l0-hc]
             [--set key=value ...] [--epochs 3] [--batch-size 64] [--lr 1e-3] [--gate-lr X]
             [--val-split 0.1] [--label COLUMN] [--train-limit N] [--test-limit N] [--out DIR]`;

function num(v: string | undefined, flag: string, problems: string[]): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) problems.push(`--${flag} must be a number: got "${v}"`);
  return n;
}

/** Loads `--data`: a CSV file, or any `loadDataset` id (with a validation split of its train split). */
async function loadData(
  spec: string,
  o: { valSplit: number; seed: number; label?: string; trainLimit?: number; testLimit?: number },
  dataDir?: string,
): Promise<Dataset> {
  if (spec.endsWith(".csv")) {
    const label = o.label !== undefined && /^\d+$/.test(o.label) ? Number(o.label) : o.label;
    return await datasetFromCsv(spec, { label, validationSplit: o.valSplit, seed: o.seed });
  }
  const ds = await loadDataset(spec, { trainLimit: o.trainLimit, testLimit: o.testLimit, dataDir });
  return splitValidation(ds, o.valSplit, o.seed);
}

/**
 * Runs the command on `args` (the flags after `run`); returns the exit code.
 *
 * @example Print the help
 * ```ts
 * import { pruneCommand } from "./prune.ts";
 * if (await pruneCommand(["--help"]) !== 0) throw new Error();
 * ```
 */
export async function pruneCommand(args: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args,
    options: {
      model: { type: "string" },
      data: { type: "string" },
      method: { type: "string", default: "l0-hc" },
      set: { type: "string", multiple: true },
      epochs: { type: "string", default: "3" },
      "batch-size": { type: "string", default: "64" },
      lr: { type: "string", default: "1e-3" },
      "gate-lr": { type: "string" },
      "val-split": { type: "string", default: "0.1" },
      label: { type: "string" },
      seed: { type: "string", default: "0" },
      "train-limit": { type: "string" },
      "test-limit": { type: "string" },
      out: { type: "string" },
      backend: { type: "string", default: "wasm" },
      "data-dir": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (v.help) {
    console.log(`Prune your own LayersModel:\n${PRUNE_HELP}`);
    return 0;
  }
  const problems: string[] = [];
  if (!v.model) problems.push("--model is required (path or URL of model.json)");
  if (!v.data) problems.push("--data is required (a dataset id such as mnist, or a .csv file)");
  const config: Record<string, unknown> = {};
  for (const s of v.set ?? []) {
    const i = s.indexOf("=");
    if (i <= 0) problems.push(`--set "${s}" must look like key=value`);
    else {
      try {
        config[s.slice(0, i)] = JSON.parse(s.slice(i + 1));
      } catch {
        config[s.slice(0, i)] = s.slice(i + 1);
      }
    }
  }
  const epochs = num(v.epochs, "epochs", problems)!,
    batchSize = num(v["batch-size"], "batch-size", problems)!;
  const lr = num(v.lr, "lr", problems)!, gateLr = num(v["gate-lr"], "gate-lr", problems);
  const valSplit = num(v["val-split"], "val-split", problems)!,
    seed = num(v.seed, "seed", problems)!;
  const trainLimit = num(v["train-limit"], "train-limit", problems);
  const testLimit = num(v["test-limit"], "test-limit", problems);
  if (problems.length) throw new ConfigError(problems, "arguments of run --model");
  await initBackend(v.backend as BackendName);
  const data = await loadData(
    v.data!,
    { valSplit, seed, label: v.label, trainLimit, testLimit },
    v["data-dir"],
  );
  const name = basename(v.model!.replace(/\/?model\.json$/, "")) || "model";
  const outDir = v.out ?? join("results", "pruned", `${name}-${v.method}`);
  const r = await pruneModel(v.model!, data, {
    method: v.method,
    config,
    epochs,
    batchSize,
    seed,
    train: { optimizer: { kind: "adam", lr } },
    ...(gateLr !== undefined ? { gateLr } : {}),
    outDir,
  });
  console.log(formatResult(r, data));
  const { model: _m, network: _n, history, ...rest } = r;
  await Deno.writeTextFile(
    join(outDir, "result.json"),
    JSON.stringify({ ...rest, data: data.source, history }, null, 1),
  );
  r.model.dispose();
  r.network.dispose();
  return 0;
}

/** The human summary printed by the command. */
function formatResult(r: PruneModelResult, data: Dataset): string {
  const pct = (a: number, b: number) => `${(100 * a / b).toFixed(1)} %`;
  return [
    `${r.method} (${r.point}) on ${data.label}: test accuracy ${r.accuracyBefore.toFixed(4)} -> ${
      r.accuracyAfter.toFixed(4)
    } (${data.test.n} examples)`,
    ...r.kept.map((k) => `  ${k.layer}: ${k.before} -> ${k.after} units`),
    `  params ${r.params.before} -> ${r.params.after} (${pct(r.params.after, r.params.before)})`,
    `  MACs   ${r.macs.before} -> ${r.macs.after} (${pct(r.macs.after, r.macs.before)})`,
    `  latency ${r.latencyMs.before.toFixed(2)} -> ${
      r.latencyMs.after.toFixed(2)
    } ms per batch of ${r.latencyMs.batch} (${r.latencyMs.backend})`,
    `  pruned model: ${r.modelJson}`,
  ].join("\n");
}
