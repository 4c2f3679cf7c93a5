/**
 * Shared helpers of the harness tests: a micro-suite on the synthetic teacher task, the worker
 * command, temp folders, CLI subprocesses and comparison of `runs.csv` / `history.csv` without
 * the timing columns.
 *
 * @module
 */
import { parse } from "../src/deps/csv.ts";
import type { SuiteSpec } from "../src/harness/suite.ts";

/** Absolute path of the repository root (with a trailing slash). */
export const REPO = new URL("../", import.meta.url).pathname;
/** Absolute path of `cli.ts`. */
export const CLI = `${REPO}cli.ts`;
/** Absolute path of the repository's `deno.json` (import map of the subprocesses). */
export const CONFIG = `${REPO}deno.json`;

/** Worker command of in-process `bench` calls: broad permissions are fine in tests. */
export const WORKER: string[] = [
  Deno.execPath(),
  "run",
  "-A",
  "--quiet",
  "--config",
  CONFIG,
  CLI,
  "worker",
];

/**
 * A worker command that cannot start: a `bench` call given it fails if it tries to start any
 * worker, which proves that everything was skipped (or rejected) before training.
 */
export const NO_WORKER: string[] = ["/nonexistent/prunebench-worker-must-not-start"];

/** Columns of `runs.csv` that measure time or the code revision, not results. */
export const TIMING_COLUMNS = [
  "wall_s",
  "latency_dense_ms",
  "latency_compact_ms",
  "measured_speedup",
  "measured_speedup_lo",
  "measured_speedup_hi",
  "git_sha",
];

/**
 * A fast suite: LeNet-300-100 at width 0.1 adapted to the 20-dim synthetic teacher task, one
 * epoch on 300 examples. Four runs by default (`dense`, `l0-hc` × 2 λ, `magnitude` with two
 * operating points).
 */
export function microSuite(id = "micro", over: Partial<SuiteSpec> = {}): SuiteSpec {
  return {
    id,
    description: "harness test micro-suite",
    datasets: ["synthetic:teacher"],
    archs: [{ id: "lenet-300-100", widths: [0.1] }],
    methods: [
      { id: "dense" },
      { id: "l0-hc", grid: { lambda: [0.1, 1] } },
      { id: "magnitude", hparams: { targets: [0.5, 0.9] } },
    ],
    seeds: [1],
    recipe: {
      epochs: 1,
      batchSize: 50,
      optimizer: { kind: "adam", lr: 1e-3 },
      trainLimit: 300,
      testLimit: 200,
      latency: { batch: 10, repeats: 1 },
    },
    ...over,
  };
}

/** Absolute path of the fixture module with the `diverge` method (NaN penalty from step 2). */
export const DIVERGING_METHOD_MODULE = `${REPO}test/data/diverging_method.ts`;

/**
 * A suite with one diverging configuration (the fixture method `diverge`, whose penalty turns NaN
 * after the first step) next to a healthy `l0-hc` run.
 */
export function nanSuite(id = "nan"): SuiteSpec {
  return microSuite(id, {
    methodModules: [DIVERGING_METHOD_MODULE],
    methods: [{ id: "l0-hc" }, { id: "diverge" }],
  });
}

/** Runs `fn` with a fresh temp folder, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "prunebench-harness-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Writes `suite` as a standalone module (no imports) exporting `suite`; returns its path. */
export async function writeSuiteModule(dir: string, suite: SuiteSpec): Promise<string> {
  const path = `${dir}/${suite.id}.suite.ts`;
  await Deno.writeTextFile(path, `export const suite = ${JSON.stringify(suite, null, 2)};\n`);
  return path;
}

/**
 * The flags the deno task of `command` starts `cli.ts` with (the production permission set, read
 * from deno.json, with the Deno executable the task substitutes).
 */
export function taskFlags(command: string): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(CONFIG)).tasks as Record<string, string>;
  const task = tasks[Object.hasOwn(tasks, command) ? command : "bench"];
  const m = /^deno run (.*) cli\.ts \S+$/.exec(task);
  if (!m) throw new Error(`Unexpected task "${task}"`);
  return m[1].replace(`"$(deno eval 'console.log(Deno.execPath())')"`, Deno.execPath()).split(" ");
}

/** Arguments of `deno run` for the CLI in a subprocess, with its task's permissions (not -A). */
export function cliArgs(args: string[]): string[] {
  return ["run", "--quiet", "--config", CONFIG, ...taskFlags(args[0]), CLI, ...args];
}

/** Output of a finished CLI subprocess. */
export interface CliOutput {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/**
 * Runs `cli.ts` to completion in `cwd`. The CLI's workers may write only `results/` relative to
 * their working folder, so tests run it in a temp folder with `--out results`.
 */
export function runCli(args: string[], cwd: string): Promise<CliOutput> {
  return runDeno(cliArgs(args), cwd);
}

/** Runs `deno <args>` to completion in `cwd`, no standard input, capturing both outputs. */
export async function runDeno(args: string[], cwd: string): Promise<CliOutput> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Starts `cli.ts` in a new session (`setsid`, Linux), so that the sweep and its workers form one
 * process group that {@linkcode killGroup} can kill at once.
 */
export function spawnCliGroup(args: string[], cwd: string): Deno.ChildProcess {
  return new Deno.Command("setsid", {
    args: [Deno.execPath(), ...cliArgs(args)],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
}

/** SIGKILLs a whole process group (the sweep and its workers), as a crash or an OOM kill would. */
export function killGroup(leader: number): void {
  Deno.kill(-leader, "SIGKILL");
}

/** True when `setsid` can be run (Linux with util-linux). */
export function hasSetsid(): boolean {
  try {
    return new Deno.Command("setsid", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Parses a CSV with a header into records of strings. */
export function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true }) as Record<string, string>[];
}

/** `runs.csv` rows without the timing columns, sorted by run id and point. */
export function comparableRuns(csv: string): Record<string, string>[] {
  return parseCsv(csv)
    .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING_COLUMNS.includes(k))))
    .sort((a, b) => (a.run_id + "\0" + a.point).localeCompare(b.run_id + "\0" + b.point));
}

/** `history.csv` rows without the `wall_s` metric, sorted. */
export function comparableHistory(csv: string): Record<string, string>[] {
  const key = (r: Record<string, string>) =>
    `${r.run_id}\0${r.epoch.padStart(6, "0")}\0${r.metric}`;
  return parseCsv(csv).filter((r) => r.metric !== "wall_s").sort((a, b) =>
    key(a).localeCompare(key(b))
  );
}

/** Every file under `dir`, as paths relative to it. */
export function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...walk(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}
