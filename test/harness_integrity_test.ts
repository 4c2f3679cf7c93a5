/**
 * Harness integrity under bad input, faults and real deployments (issue 16): finite divergence,
 * error classes and exit codes, run identity, up-front validation, aggregation, the output-folder
 * lock, paths outside the repository, data provenance, filesystem faults and permissions.
 */
import assert from "node:assert/strict";
import { finiteDivergence } from "../src/harness/divergence.ts";
import { ConfigError, fileSystemFault } from "../src/util/errors.ts";
import { reportError } from "../cli.ts";
import { planRuns } from "../src/harness/bench.ts";
import { METHODS } from "../src/methods/registry.ts";
import type { MethodSpec } from "../src/methods/types.ts";
import { microSuite, NO_WORKER, WORKER } from "./harness_helpers.ts";
import { summaryRows } from "../src/results/summary.ts";
import { FOREIGN_STALE_MS, lockFolder, processStart } from "../src/harness/lock.ts";
import {
  cliArgs,
  CONFIG,
  DIVERGING_METHOD_MODULE,
  REPO,
  writeSuiteModule,
} from "./harness_helpers.ts";
import { commandScopes, permissionFlags, workerScopes } from "../src/cli/permissions.ts";
import { RUN_COLUMNS, type RunRow } from "../src/results/schema.ts";
import { bench } from "../src/harness/bench.ts";
import { suiteProblems } from "../src/harness/validate.ts";
import { SUITES } from "../benchmarks/suites/mod.ts";
import type { SuiteSpec } from "../src/harness/suite.ts";
import { parseCsv, runCli, runDeno, withTempDir } from "./harness_helpers.ts";

Deno.test("finiteDivergence: the documented rule, 1-based epochs", () => {
  const first = { epoch: 1, trainLoss: 0.5 };
  assert.equal(finiteDivergence(first, first, 10), null);
  assert.equal(finiteDivergence({ epoch: 3, trainLoss: 23 }, first, 10), null); // < 10 ln 10
  assert.match(
    finiteDivergence({ epoch: 3, trainLoss: 24 }, first, 10)!,
    /^Training diverged at epoch 3: mean training loss 24\.00 is above 10 × ln 10 = 23\.03/,
  );
  assert.match(finiteDivergence({ epoch: 1, trainLoss: NaN }, first, 10)!, /epoch 1: .*NaN/);
  // regression: relative to the first epoch
  assert.equal(finiteDivergence({ epoch: 2, trainLoss: 49 }, first, 0), null);
  assert.match(finiteDivergence({ epoch: 2, trainLoss: 51 }, first, 0)!, /100 × the first/);
});

Deno.test("CLI run: a finite explosion (Adam, lr 1e6) is a failed run, exit 1, reason with epoch 1", async () => {
  await withTempDir(async (cwd) => {
    const r = await runCli([
      "run",
      "--method",
      "l0-hc",
      "--arch",
      "lenet-300-100",
      "--epochs",
      "1",
      "--lr",
      "1e6",
      "--train-limit",
      "1000",
      "--no-report",
    ], cwd);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const rows = parseCsv(await Deno.readTextFile(`${cwd}/results/run/runs.csv`));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, "failed");
    assert.match(rows[0].reason, /Training diverged at epoch 1: mean training loss/);
    assert.match(r.stderr, /1 problem\(s\):\n {2}- l0-hc .*diverged at epoch 1/);
  });
});

/** Runs `fn` with console.error captured; returns what it printed. */
function captureStderr(fn: () => void): string {
  const original = console.error;
  let text = "";
  console.error = (...a: unknown[]) => void (text += a.join(" ") + "\n");
  try {
    fn();
  } finally {
    console.error = original;
  }
  return text;
}

Deno.test("ConfigError is not a TypeError; a bug exits 1 with its stack, a config error 2 with one message", () => {
  const config = new ConfigError(["Width must be > 0: got -1"]);
  assert.ok(!(config instanceof TypeError));
  let code = 0;
  const printed = captureStderr(() => code = reportError(config));
  assert.equal(code, 2);
  assert.equal(printed, "error: Invalid configuration: Width must be > 0: got -1\n");
  for (const bug of [new TypeError("x is undefined"), new RangeError("bad index")]) {
    const out = captureStderr(() => code = reportError(bug));
    assert.equal(code, 1, bug.name);
    assert.match(out, /internal error/);
    assert.match(out, new RegExp(`${bug.name}: .*\\n\\s+at `)); // the stack
  }
});

Deno.test("CLI: unknown flags, subcommand sections and shards are config errors (exit 2, no stack)", async () => {
  await withTempDir(async (cwd) => {
    for (
      const args of [
        ["bench", "--nope"],
        ["list", "nosuchsection"],
        ["bench", "--suite", "smoke", "--shard", "3/2"],
        ["bench", "--suite", "nosuchsuite"],
        ["bench", "--suite", "./missing.ts"],
      ]
    ) {
      const r = await runCli(args, cwd);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^error: /, args.join(" "));
      assert.doesNotMatch(r.stderr, /\n\s+at /, args.join(" "));
    }
  });
});

Deno.test("run id hashes the fully resolved config: method defaults, recipe and training defaults, module paths as written", () => {
  // a user method whose default changes between two versions of its module
  const v1 = { ...METHODS.dense, id: "mine", defaults: { strength: 1 }, docs: { strength: "x" } };
  const v2 = { ...v1, defaults: { strength: 2 } };
  const suite = microSuite("ids", { methods: [{ id: "mine" }], methodModules: ["./mine.ts"] });
  const ids = (spec: MethodSpec<object>, base = "file:///a/suites/") =>
    planRuns(suite, "wasm", { mine: spec }, base).map((r) => r.id);
  assert.notDeepEqual(ids(v1), ids(v2), "changing a method's default must give new ids");
  // the same suite in another checkout (its modules resolve elsewhere) keeps its ids
  assert.deepEqual(ids(v1, "file:///b/elsewhere/"), ids(v1));
  const [a] = planRuns(suite, "wasm", { mine: v1 }, "file:///a/suites/");
  assert.deepEqual(a.config.methodModules, ["file:///a/suites/mine.ts"]);
  assert.deepEqual(a.identity.methodModules, ["./mine.ts"]);
  // built-in defaults are filled in: writing the default explicitly is the same run
  const l0 = (hparams: Record<string, unknown>) =>
    planRuns(microSuite("ids", { methods: [{ id: "l0-hc", hparams }] }))[0];
  assert.equal(l0({}).identity.hparams.lambda, METHODS["l0-hc"].defaults.lambda);
  assert.equal(l0({}).id, l0({ lambda: METHODS["l0-hc"].defaults.lambda }).id);
  assert.notEqual(l0({}).id, l0({ lambda: 0.5 }).id);
  // recipe and training-engine defaults are part of the identity
  const r = l0({});
  assert.deepEqual(r.identity.recipe.schedule, { kind: "constant" });
  assert.equal(r.identity.recipe.ema, null);
  assert.equal(r.identity.train.evalBatchSize, 1000);
  assert.equal((r.identity.train.optimizer as { beta1: number }).beta1, 0.9);
  const explicit = planRuns(microSuite("ids", {
    methods: [{ id: "l0-hc" }],
    recipe: { ...microSuite().recipe, schedule: { kind: "constant" }, ema: null, augment: "none" },
  }))[0];
  assert.equal(explicit.id, r.id, "spelling out a recipe default is the same run");
});

Deno.test("bench: every problem of suite and flags in one ConfigError before any folder or worker", async () => {
  const base = microSuite("many");
  const bad = {
    ...base,
    archs: [{ id: "lenet-300-100", widths: [0.1, 0.1], recipe: { trainLimit: 0 } }],
    methods: [
      { id: "l0-hc", hparam: { lambda: 1 } },
      { id: "l0-hc", hparams: { lambda: 0.1 } }, // the default: the same run as the entry above
      { id: "magnitude", hparams: { targets: [0.5, 1.5] }, recipe: { epochs: 0 } },
      { id: "dam", grid: { lambda: [-1, NaN] } },
      { id: "dense", recipe: { optimizer: { kind: "adam", lr: Infinity } } },
    ],
    recipe: { ...base.recipe, epochz: 3, latency: { batch: 0, repeats: 1 } },
  } as unknown as SuiteSpec;
  await withTempDir(async (out) => {
    let err: unknown;
    try {
      await bench(bad, { out, jobs: 1, backend: "wsam", workerCommand: NO_WORKER });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError, String(err));
    const text = err.problems.join("\n");
    for (
      const re of [
        /Unknown --backend "wsam": did you mean "wasm"\?/,
        /Unknown key "hparam" in methods\[0\]: did you mean "hparams"\?/,
        /Unknown key "epochz" in recipe: did you mean "epochs"\?/,
        /archs\[0\]\.widths lists 0\.1 more than once/,
        /archs\[0\]\.recipe\.trainLimit must be a whole number ≥ 1: got 0/,
        /methods\[2\]\.recipe\.epochs must be a whole number ≥ 1: got 0/,
        /Hyperparameter "targets" of method "magnitude" must contain only values ≥ 0 and < 1: 1\.5/,
        /Hyperparameter "lambda" of method "dam" must be ≥ 0: got -1/,
        /suite\.methods\[3\]\.grid\.lambda\[1\] is NaN/,
        /suite\.methods\[4\]\.recipe\.optimizer\.lr is Infinity/,
        /methods\[4\]\.recipe\.optimizer\.lr must be a finite number > 0/,
        /recipe\.latency\.batch must be a whole number ≥ 1: got 0/,
      ]
    ) assert.match(text, re);
    assert.deepEqual([...Deno.readDirSync(out)], [], "nothing written");
  });
  // duplicates of resolved runs and batch size vs training examples, on an otherwise valid suite
  const dup = suiteProblems(microSuite("dup", {
    methods: [{ id: "l0-hc" }, { id: "l0-hc", hparams: { lambda: 0.1 } }],
    recipe: { ...base.recipe, batchSize: 500 },
  })).join("\n");
  assert.match(dup, /"l0-hc" .* is planned 2 times/);
  assert.match(
    dup,
    /batchSize 500 of "l0-hc" on lenet-300-100\/synthetic:teacher is larger than the 300/,
  );
  // the built-in suites pass
  for (const s of Object.values(SUITES)) assert.deepEqual(suiteProblems(s), [], s.id);
});

Deno.test("CLI run: flag and suite problems in one list, exit 2", async () => {
  await withTempDir(async (cwd) => {
    const r = await runCli([
      "run",
      "--method",
      "l0-hc",
      "--arch",
      "lenet-300-100",
      "--backend",
      "nosuch",
      "--set",
      "lambda=-1",
      "--set",
      "lamda=2",
      "--epochs",
      "x",
      "--no-report",
    ], cwd);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--epochs "x" must be a whole number/);
    assert.match(r.stderr, /Unknown --backend "nosuch"/);
    assert.match(r.stderr, /"lambda" of method "l0-hc" must be ≥ 0: got -1/);
    assert.match(r.stderr, /Unknown hyperparameter "lamda" .*did you mean "lambda"\?/);
    assert.deepEqual([...Deno.readDirSync(cwd)], [], "nothing written");
  });
});

/** A runs.csv row of an ok run. */
function row(over: Partial<Record<string, string | number>>): RunRow {
  return {
    ...Object.fromEntries(RUN_COLUMNS.map((c) => [c, ""])),
    method: "l0-hc",
    arch: "lenet-300-100",
    dataset: "mnist",
    init_width: 1,
    status: "ok",
    point: "final",
    backend: "wasm+blas",
    units_kept: 10,
    per_layer_init: "784-300-100",
    per_layer_kept: "5-3-2",
    train_macs: 1,
    train_macs_dense: 2,
    ...over,
  } as RunRow;
}

Deno.test("summaryRows: groups by every hyperparameter that varies (not only λ) and by backend", () => {
  const h = (d: number) => JSON.stringify({ lambda: 0.1, droprateInit: d, beta: 2 / 3 });
  const rows = [
    row({ seed: 1, hparams: h(0.2), acc: 0.9, lambda: 0.1 }),
    row({ seed: 2, hparams: h(0.2), acc: 0.8, lambda: 0.1 }),
    row({ seed: 1, hparams: h(0.5), acc: 0.5, lambda: 0.1 }),
    row({ seed: 2, hparams: h(0.5), acc: 0.3, lambda: 0.1 }),
    row({ seed: 1, hparams: h(0.5), acc: 0.1, lambda: 0.1, backend: "cpu" }),
  ];
  const s = summaryRows(rows);
  assert.equal(s.length, 3, JSON.stringify(s));
  const of = (d: number, b: string) =>
    s.find((r) => r.hparams_varying === `{"droprateInit":${d}}` && r.backend === b)!;
  assert.deepEqual([of(0.2, "wasm").n_seeds, of(0.2, "wasm").acc_mean], [2, 0.85]);
  assert.deepEqual([of(0.5, "wasm").n_seeds, of(0.5, "wasm").acc_mean], [2, 0.4]);
  assert.deepEqual([of(0.5, "cpu").n_seeds, of(0.5, "cpu").acc_mean], [1, 0.1]);
});

Deno.test("bench on a backend whose workers fail keeps the good rows of runs.csv; an unknown one changes nothing", async () => {
  await withTempDir(async (out) => {
    const suite = microSuite("keep", { methods: [{ id: "dense" }] });
    const ok = await bench(suite, { out, jobs: 1, workerCommand: WORKER });
    assert.equal(ok.ok, 1);
    const before = await Deno.readTextFile(`${out}/keep/runs.csv`);
    await assert.rejects(
      bench(suite, { out, jobs: 1, backend: "wsam", workerCommand: NO_WORKER }),
      ConfigError,
    );
    assert.equal(await Deno.readTextFile(`${out}/keep/runs.csv`), before);
    // a valid backend that cannot start (the worker dies) adds a failed row, keeps the ok one
    const crash = [Deno.execPath(), "eval", "console.error('no such backend here'); Deno.exit(3)"];
    const bad = await bench(suite, { out, jobs: 1, backend: "webgpu", workerCommand: crash });
    assert.equal(bad.failed, 1);
    const rows = parseCsv(await Deno.readTextFile(`${out}/keep/runs.csv`));
    assert.deepEqual(rows.map((r) => `${r.backend.split("+")[0]} ${r.status}`).sort(), [
      "wasm ok",
      "webgpu failed",
    ]);
    const summary = parseCsv(await Deno.readTextFile(`${out}/keep/summary.csv`));
    assert.deepEqual(summary.map((r) => `${r.backend} ${r.n_seeds} ${r.n_failed}`).sort(), [
      "wasm 1 0",
      "webgpu 0 1",
    ]);
  });
});

Deno.test("CLI run: results accumulate across invocations", async () => {
  await withTempDir(async (cwd) => {
    const flags = (seed: number) => [
      "run",
      "--method",
      "dense",
      "--arch",
      "lenet-300-100",
      "--dataset",
      "synthetic:teacher",
      "--width",
      "0.1",
      "--epochs",
      "1",
      "--train-limit",
      "300",
      "--seed",
      String(seed),
      "--no-report",
    ];
    for (const seed of [1, 2]) {
      const r = await runCli(flags(seed), cwd);
      assert.equal(r.code, 0, r.stderr);
    }
    const rows = parseCsv(await Deno.readTextFile(`${cwd}/results/run/runs.csv`));
    assert.deepEqual(rows.map((r) => r.seed).sort(), ["1", "2"]);
    const summary = parseCsv(await Deno.readTextFile(`${cwd}/results/run/summary.csv`));
    assert.equal(summary.length, 1);
    assert.equal(summary[0].n_seeds, "2");
  });
});

/** PID of a process that has exited. */
async function deadPid(): Promise<number> {
  const c = new Deno.Command("true").spawn();
  await c.status;
  return c.pid;
}

Deno.test("lockFolder: a live holder is refused with its PID; a dead or PID-reused one is taken over", async () => {
  await withTempDir(async (dir) => {
    const lock = await lockFolder(dir);
    await assert.rejects(lockFolder(dir), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, new RegExp(`in use by another sweep \\(PID ${Deno.pid} on `));
      assert.match(e.message, /another --out/);
      return true;
    });
    await lock.release();
    await assert.rejects(Deno.stat(`${dir}/.lock`), Deno.errors.NotFound);
    const host = Deno.hostname();
    const notes: string[] = [];
    for (
      const [pid, start] of [
        [await deadPid(), "1"],
        [Deno.pid, "not-my-start-time"], // the PID now belongs to another process
      ] as const
    ) {
      const info = { host, pid, processStart: start, since: "2026-01-01T00:00:00Z", command: "x" };
      await Deno.writeTextFile(`${dir}/.lock`, JSON.stringify(info));
      const taken = await lockFolder(dir, (m) => notes.push(m));
      assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/.lock`)).pid, Deno.pid);
      await taken.release();
    }
    assert.equal(notes.length, 2);
    assert.match(notes[0], /taking over the stale lock/);
    assert.ok(await processStart(Deno.pid), "reads its own start time");
    // another host: respected while its heartbeat (mtime) is fresh, taken over once it is old
    const foreign = { host: "other-node", pid: 1, processStart: "1", since: "x", command: "x" };
    await Deno.writeTextFile(`${dir}/.lock`, JSON.stringify(foreign));
    await assert.rejects(lockFolder(dir), /on other-node.*taken over once its heartbeat/s);
    const old = new Date(Date.now() - FOREIGN_STALE_MS - 60_000);
    await Deno.utime(`${dir}/.lock`, old, old);
    const taken = await lockFolder(dir, (m) => notes.push(m));
    assert.match(notes[2], /PID 1 on other-node/);
    await taken.release();
    // the holder's heartbeat refreshes the mtime
    const beating = await lockFolder(dir, () => {}, 20);
    await Deno.utime(`${dir}/.lock`, old, old);
    await new Promise((r) => setTimeout(r, 200));
    const age = Date.now() - (await Deno.stat(`${dir}/.lock`)).mtime!.getTime();
    await beating.release();
    assert.ok(age < 5_000, `heartbeat ${age} ms old`);
  });
});

Deno.test("CLI: a bench refuses a folder held by a live sweep, takes over a dead one's lock; concurrent benches never run a run twice", async () => {
  await withTempDir(async (cwd) => {
    const path = await writeSuiteModule(
      cwd,
      microSuite("locked", { methods: [{ id: "dense" }, { id: "l0-hc" }] }),
    );
    const args = ["bench", "--suite", path, "--out", "results", "--jobs", "1", "--no-report"];
    const root = `${cwd}/results/locked`;
    await Deno.mkdir(root, { recursive: true });
    // a live holder: a process that is still running
    const holder = new Deno.Command("sleep", { args: ["60"] }).spawn();
    const info = {
      host: Deno.hostname(),
      pid: holder.pid,
      processStart: await processStart(holder.pid),
      since: "2026-01-01T00:00:00Z",
      command: "deno task bench",
    };
    await Deno.writeTextFile(`${root}/.lock`, JSON.stringify(info));
    const refused = await runCli(args, cwd);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(`results/locked is in use by another sweep \\(PID ${holder.pid} on `),
    );
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), [".lock"], "nothing ran");
    // the holder dies (SIGKILL): its lock is stale and taken over
    holder.kill("SIGKILL");
    await holder.status;
    const taken = await runCli(args, cwd);
    assert.equal(taken.code, 0, taken.stderr);
    assert.match(taken.stderr, /taking over the stale lock/);
    await assert.rejects(Deno.stat(`${root}/.lock`), Deno.errors.NotFound, "released at the end");
    // two benches at once on a fresh folder: whichever order, every run executes exactly once
    const fresh = [...args.slice(0, 4), "results2", ...args.slice(5)];
    const spawn = () =>
      new Deno.Command(Deno.execPath(), {
        args: cliArgs(fresh),
        cwd,
        stdout: "null",
        stderr: "piped",
      }).output();
    const [a, b] = await Promise.all([spawn(), spawn()]);
    assert.deepEqual([a.code, b.code].sort(), [0, a.code === 2 || b.code === 2 ? 2 : 0]);
    const m = JSON.parse(await Deno.readTextFile(`${cwd}/results2/locked/manifest.json`));
    const ran = m.invocations.map((i: { ran: number }) => i.ran);
    assert.equal(ran.reduce((x: number, y: number) => x + y, 0), 2, JSON.stringify(ran));
  });
});

/** Runs `deno task <task> args` of the repository (its production permissions) from `cwd`. */
function runTask(task: string, args: string[], cwd: string) {
  return runDeno(["task", "--quiet", "--config", CONFIG, task, ...args], cwd);
}

function hasLscpu(): boolean {
  try {
    return new Deno.Command("lscpu", { stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

Deno.test("deno task bench/aggregate/report with suite, method module and outputs outside the repository", async () => {
  await withTempDir(async (tmp) => {
    assert.ok(!tmp.startsWith(REPO), "the temp folder is outside the repository");
    await Deno.mkdir(`${tmp}/suites`);
    // a user module next to the suite, named relative to it
    await Deno.writeTextFile(
      `${tmp}/suites/mine.ts`,
      `export { methods } from ${
        JSON.stringify(new URL(`file://${DIVERGING_METHOD_MODULE}`).href)
      };\n`,
    );
    const suite = microSuite("outside", {
      methodModules: ["./mine.ts"],
      methods: [{ id: "l0-hc" }, { id: "diverge" }],
    });
    const path = await writeSuiteModule(`${tmp}/suites`, suite);
    const out = `${tmp}/shard-1`;
    const r = await runTask(
      "bench",
      ["--suite", path, "--out", out, "--jobs", "2", "--no-report"],
      tmp,
    );
    assert.equal(r.code, 1, r.stdout + r.stderr); // the diverging run fails, the other is ok
    const rows = parseCsv(await Deno.readTextFile(`${out}/outside/runs.csv`));
    assert.deepEqual(rows.map((x) => `${x.method} ${x.status}`).sort(), [
      "diverge failed",
      "l0-hc ok",
    ]);
    assert.match(
      rows.find((x) => x.method === "l0-hc")!.git_sha,
      /^[0-9a-f]{12}/,
      "revision recorded",
    );
    // the CPU model reaches the manifest under the task's scoped permissions (via lscpu)
    const manifest = JSON.parse(await Deno.readTextFile(`${out}/outside/manifest.json`));
    if (hasLscpu()) {
      assert.match(manifest.machine.cpu ?? "", /\S/, JSON.stringify(manifest.machine));
    }
    const a = await runTask("aggregate", [`${out}/outside`, "--out", `${tmp}/merged`], tmp);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(parseCsv(await Deno.readTextFile(`${tmp}/merged/runs.csv`)).length, 2);
    const rep = await runTask("report", [`${tmp}/merged`, "--no-png"], tmp);
    assert.equal(rep.code, 0, rep.stderr);
    assert.ok((await Deno.stat(`${tmp}/merged/report.html`)).size > 1000);
  });
});

Deno.test("permissions are written once: minimal, identical cli tasks; computed scopes per process", () => {
  const text = Deno.readTextFileSync(CONFIG);
  assert.doesNotMatch(text, /yann\.lecun\.com/);
  const tasks = JSON.parse(text).tasks as Record<string, string>;
  const prefix = (t: string) => t.replace(/ cli\.ts \S+$/, "");
  for (const t of ["bench", "run", "list", "aggregate", "report"]) {
    assert.equal(prefix(tasks[t]), prefix(tasks.bench), t);
    assert.match(tasks[t], new RegExp(` cli\\.ts ${t}$`));
  }
  // no runtime task runs arbitrary programs
  for (const [name, t] of Object.entries(tasks)) {
    if (["test", "check", "ok"].includes(name)) continue;
    assert.doesNotMatch(t, /--allow-run(\s|$)|--allow-all|-A\s/, name);
  }
  // the task grants read, env and running the Deno executable only
  assert.doesNotMatch(tasks.bench, /--allow-(write|net|ffi|sys)|--allow-run[^=]|-A\b/);
  assert.match(tasks.bench, /--allow-run="\$\(deno eval 'console.log\(Deno.execPath\(\)\)'\)"/);
  // the command: writes exactly its outputs, runs Deno, git, ps and lscpu, no network, no FFI
  const cmd = commandScopes({ writes: ["/data/out"], startsWorkers: true });
  assert.deepEqual(cmd.write, ["/data/out"]);
  assert.deepEqual(cmd.run, [Deno.execPath(), "git", "ps", "lscpu"]);
  assert.deepEqual([cmd.net, cmd.ffi], [[], false]);
  // a worker: writes its run folder and the dataset cache, runs nothing, reaches the mirrors only
  const w = workerScopes("/data/out/s/runs/abc", { modules: ["file:///m/x.ts"], blas: [] });
  assert.equal(w.write[0], "/data/out/s/runs/abc");
  assert.equal(w.write.length, 2);
  assert.deepEqual(w.run, []);
  assert.ok(w.read.includes("/m") && w.read.includes("/data/out/s/runs/abc"));
  assert.ok(!w.read.includes("/data/out"), "not the other runs");
  assert.ok(!w.net.includes("yann.lecun.com") && w.net.length > 0);
  const flags = permissionFlags(w).join(" ");
  assert.doesNotMatch(flags, /--allow-ffi|--allow-run/);
  assert.match(permissionFlags({ ...w, ffi: true }).join(" "), /--allow-ffi$|--allow-ffi /);
});

Deno.test("data provenance: an empty data directory is a printed and recorded fallback; source and SHA-256 in manifest and result; list agrees", async () => {
  await withTempDir(async (cwd) => {
    await Deno.mkdir(`${cwd}/data`);
    const env = { PRUNEBENCH_DATA_DIR: `${cwd}/data` };
    const run = await new Deno.Command(Deno.execPath(), {
      args: cliArgs([
        "run",
        "--method",
        "dense",
        "--arch",
        "lenet-300-100",
        "--width",
        "0.1",
        "--epochs",
        "1",
        "--train-limit",
        "200",
        "--no-report",
      ]),
      cwd,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, stderr);
    assert.match(stderr, new RegExp(`dataset "mnist" is not in the data directory ${cwd}/data`));
    const manifest = JSON.parse(await Deno.readTextFile(`${cwd}/results/run/manifest.json`));
    const m = manifest.data.mnist;
    assert.equal(m.fallback, true);
    assert.equal(m.dataDir, `${cwd}/data`);
    assert.equal(m.source, m.plannedSource, "the workers loaded it where it was planned");
    assert.equal(Object.keys(m.sha256).length, 4);
    assert.ok(Object.values(m.sha256).every((h) => /^[0-9a-f]{64}$/.test(h as string)));
    const [id] = [...Deno.readDirSync(`${cwd}/results/run/runs`)].map((e) => e.name);
    const result = JSON.parse(await Deno.readTextFile(`${cwd}/results/run/runs/${id}/result.json`));
    assert.deepEqual(result.provenance.data, {
      dataset: "mnist",
      source: m.source,
      sha256: m.sha256,
    });
    // list, with the same environment, shows the same source
    const list = await new Deno.Command(Deno.execPath(), {
      args: cliArgs(["list", "datasets"]),
      cwd,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const line = new TextDecoder().decode(list.stdout).split("\n").find((l) =>
      l.startsWith("mnist ")
    );
    assert.ok(line?.endsWith(`${m.plannedSource} (not in the data directory)`), line);
  });
});

Deno.test("fix advice suggests only flags that exist", async () => {
  const { FIX_CACHE, FIX_DELETE, FIX_PACKAGE } = await import("../src/data/verify.ts");
  const help = (await runCli(["help"], Deno.cwd())).stdout;
  for (const text of [FIX_CACHE, FIX_DELETE, FIX_PACKAGE]) {
    for (const flag of text.match(/--[a-z-]+/g) ?? []) assert.ok(help.includes(flag), flag);
  }
});

Deno.test("fileSystemFault: disk full, read-only, permission denied, file for folder: one line with path and fix", () => {
  const cases: [string, RegExp][] = [
    [
      "No space left on device (os error 28): write '/r/x/runs.csv.tmp-1-a'",
      /disk is full.*free space/,
    ],
    ["Read-only file system (os error 30): mkdir '/mnt/ro/out'", /read-only.*writable --out/],
    ["Permission denied (os error 13): open '/srv/out/x'", /permission is denied.*owner or mode/],
    ["Not a directory (os error 20): mkdir '/tmp/f/suite'", /file is where a folder must be/],
  ];
  for (const [message, re] of cases) {
    const line = fileSystemFault(new Error(message))!;
    assert.match(line, re, message);
    const path = /'([^']+)'/.exec(message)![1].replace(/\.tmp-\d+-[a-z0-9]+$/, ""); // final name
    assert.ok(line.startsWith(`Cannot write "${path}": `), line);
    assert.ok(!line.includes("\n"), "one line");
  }
  assert.equal(fileSystemFault(new Deno.errors.NotCapable("Requires write access to 'x'")), null);
  assert.equal(fileSystemFault(new TypeError("x is undefined")), null);
});

Deno.test("CLI: an output path that cannot be written is one line naming it, exit 1, no stack", async () => {
  await withTempDir(async (cwd) => {
    await Deno.writeTextFile(`${cwd}/afile`, "not a folder");
    const path = await writeSuiteModule(cwd, microSuite("fault", { methods: [{ id: "dense" }] }));
    const r = await runCli(["bench", "--suite", path, "--out", `${cwd}/afile`, "--no-report"], cwd);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^error: Cannot write "${cwd}/afile/fault": .*--out`));
    assert.equal(await Deno.readTextFile(`${cwd}/afile`), "not a folder");
  });
});

Deno.test("bench removes the temporaries an interrupted sweep left behind", async () => {
  await withTempDir(async (out) => {
    const suite = microSuite("tmp", { methods: [{ id: "dense" }] });
    await bench(suite, { out, jobs: 1, workerCommand: WORKER });
    const [id] = [...Deno.readDirSync(`${out}/tmp/runs`)].map((e) => e.name);
    const leftovers = [
      `${out}/tmp/runs.csv.tmp-4242-abc123`,
      `${out}/tmp/runs/${id}/result.json.tmp-77-zz9`,
    ];
    for (const f of leftovers) await Deno.writeTextFile(f, "partial");
    const again = await bench(suite, { out, jobs: 1, workerCommand: NO_WORKER });
    assert.equal(again.skipped, 1);
    for (const f of leftovers) await assert.rejects(Deno.stat(f), Deno.errors.NotFound, f);
    assert.equal((await Deno.readTextFile(`${out}/tmp/runs/${id}/done`)).trim(), "ok");
  });
});
