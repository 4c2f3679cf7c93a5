/**
 * `run`: one configuration from command-line flags, as a one-run suite named `run` (its results
 * accumulate in `<out>/run/`); `run --model` prunes a user's model instead (`prune.ts`).
 *
 * @module
 */
import type { SuiteSpec } from "../harness/suite.ts";
import { ConfigError } from "../util/errors.ts";
import { datasetReads, runSuite } from "./bench.ts";
import { parseCollecting, withUsage } from "./parse.ts";
import { commandScopes, pruneScopes } from "./permissions.ts";
import { pruneCommand } from "./prune.ts";
import { ensureScopes } from "./rerun.ts";

/** Flags of the `run` command. */
export interface SingleRunFlags {
  /** Method id. */
  method?: string;
  /** Architecture id. */
  arch?: string;
  /** Dataset id. */
  dataset?: string;
  /** Width multiplier. */
  width?: string;
  /** Seed. */
  seed?: string;
  /** Epochs. */
  epochs?: string;
  /** Batch size. */
  "batch-size"?: string;
  /** Learning rate. */
  lr?: string;
  /** Training subset size. */
  "train-limit"?: string;
  /** `key=value` hyperparameters (values parsed as JSON when possible). */
  set?: string[];
}

/** Parses `key=value` pairs; values are JSON when they parse, strings otherwise. */
export function parseSets(
  sets: string[] = [],
): { hparams: Record<string, unknown>; problems: string[] } {
  const hparams: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const s of sets) {
    const i = s.indexOf("=");
    if (i <= 0) {
      problems.push(`--set "${s}" must look like key=value`);
      continue;
    }
    const raw = s.slice(i + 1);
    if (/^[+-]?(NaN|Infinity)$/.test(raw)) {
      hparams[s.slice(0, i)] = Number(raw); // rejected by validation, which names it
      continue;
    }
    try {
      hparams[s.slice(0, i)] = JSON.parse(raw);
    } catch {
      hparams[s.slice(0, i)] = raw;
    }
  }
  return { hparams, problems };
}

/**
 * Builds the one-run suite and the problems of the flags (validation of ids and values happens in
 * `bench`, which reports these problems with the suite's).
 */
export function singleRun(f: SingleRunFlags): { suite: SuiteSpec; problems: string[] } {
  const problems: string[] = [];
  if (!f.method) problems.push("--method is required");
  if (!f.arch) problems.push("--arch is required");
  const num = (name: string, v: string | undefined, int = false) => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isFinite(x) || (int && !Number.isInteger(x))) {
      problems.push(`--${name} "${v}" must be a ${int ? "whole " : ""}number`);
      return undefined;
    }
    return x;
  };
  const { hparams, problems: p2 } = parseSets(f.set);
  problems.push(...p2);
  const width = num("width", f.width) ?? 1, seed = num("seed", f.seed, true) ?? 1;
  const epochs = num("epochs", f.epochs, true) ?? 5,
    batchSize = num("batch-size", f["batch-size"], true) ?? 100;
  const lr = num("lr", f.lr) ?? 1e-3, trainLimit = num("train-limit", f["train-limit"], true);
  if (!f.method || !f.arch) throw new ConfigError(problems, "run flags");
  const suite: SuiteSpec = {
    id: "run",
    description: "single runs from `deno task run`",
    datasets: [f.dataset ?? "mnist"],
    archs: [{ id: f.arch!, widths: [width] }],
    methods: [{ id: f.method!, hparams }],
    seeds: [seed],
    recipe: {
      epochs,
      batchSize,
      optimizer: { kind: "adam", lr },
      ...(trainLimit !== undefined ? { trainLimit } : {}),
    },
  };
  return { suite, problems };
}

/** Builds the one-run suite; throws a `ConfigError` for bad flags. */
export function singleRunSuite(f: SingleRunFlags): SuiteSpec {
  const { suite, problems } = singleRun(f);
  if (problems.length) throw new ConfigError(problems, "run flags");
  return suite;
}

/** `cli.ts run …` (`argv` includes the command name); returns the exit code. */
export async function runMain(argv: string[]): Promise<number> {
  const rest = argv.slice(1);
  if (rest.some((a) => a === "--model" || a.startsWith("--model="))) {
    const code = await ensureScopes(pruneScopes(rest), argv);
    return code ?? await pruneCommand(rest);
  }
  const p = parseCollecting("run", rest);
  if (p === null) return 0;
  const values = p.values as SingleRunFlags & Record<string, string | undefined>;
  const { suite, problems } = singleRun(values);
  const code = await ensureScopes(
    commandScopes({
      writes: [values.out!],
      reads: datasetReads(suite.datasets),
      dataDir: values["data-dir"],
      startsWorkers: true,
    }),
    argv,
  );
  if (code !== null) return code;
  return await withUsage(
    "run",
    p.flagProblems,
    () =>
      runSuite(suite, { ...p.values, jobs: "1", accumulate: true }, [
        ...p.flagProblems,
        ...problems,
      ]),
  );
}
