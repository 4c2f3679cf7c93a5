/**
 * End-to-end harness tests on the synthetic teacher task (each run trains LeNet-300-100 at width
 * 0.1 for one epoch on 300 examples in its own worker process): skipping finished runs, resuming
 * after a SIGKILL, determinism, shards + aggregate, and isolation of a diverging run.
 */
import assert from "node:assert/strict";
import { bench } from "../src/harness/bench.ts";
import { aggregateCommand } from "../src/cli/aggregate.ts";
import { inShard, parseShard } from "../src/harness/shard.ts";
import { planRuns } from "../src/harness/bench.ts";
import { ResultStore, type RunResult } from "../src/harness/store.ts";
import {
  comparableHistory,
  comparableRuns,
  hasSetsid,
  killGroup,
  microSuite,
  nanSuite,
  NO_WORKER,
  parseCsv,
  runCli,
  spawnCliGroup,
  walk,
  withTempDir,
  WORKER,
  writeSuiteModule,
} from "./harness_helpers.ts";

const JOBS = 2;

Deno.test("bench twice: the second call skips every run, starts no worker, and keeps runs.csv byte-identical; --force reruns", async () => {
  await withTempDir(async (out) => {
    const suite = microSuite("twice");
    const first = await bench(suite, { out, jobs: JOBS, workerCommand: WORKER });
    assert.equal(first.total, 4);
    assert.equal(first.skipped, 0);
    assert.equal(first.ok, 4, first.failures.join("\n"));
    assert.equal(first.failed, 0);
    const root = `${out}/twice`;
    const csv1 = await Deno.readFile(`${root}/runs.csv`);
    // the manifest records what the workers ran on (e.g. wasm+blas), not only what was asked for
    const manifest = JSON.parse(await Deno.readTextFile(`${root}/manifest.json`));
    const backends = [...new Set(parseCsv(new TextDecoder().decode(csv1)).map((r) => r.backend))];
    assert.deepEqual([manifest.backend, manifest.requestedBackend], [backends.join(","), "wasm"]);
    assert.equal(manifest.blas === null, !backends[0].includes("blas"));
    const history1 = await Deno.readFile(`${root}/history.csv`);
    const mtimes = async () => {
      const m: Record<string, number> = {};
      for (const f of walk(`${root}/runs`)) {
        m[f] = (await Deno.stat(`${root}/runs/${f}`)).mtime!.getTime();
      }
      return m;
    };
    const before = await mtimes();

    // a worker command that cannot start: bench would reject if it started any worker
    const second = await bench(suite, { out, jobs: JOBS, workerCommand: NO_WORKER });
    assert.deepEqual({ ...second, wallSeconds: 0 }, {
      total: 4,
      skipped: 4,
      ok: 0,
      failed: 0,
      failures: [],
      wallSeconds: 0,
    });
    assert.deepEqual(await Deno.readFile(`${root}/runs.csv`), csv1);
    // the manifest keeps both invocations: the sweep's start, and the wall time of each part
    const m2 = JSON.parse(await Deno.readTextFile(`${root}/manifest.json`));
    assert.deepEqual(
      m2.invocations.map((i: { ran: number; skipped: number }) => [i.ran, i.skipped]),
      [[4, 0], [0, 4]],
    );
    assert.equal(m2.startedAt, manifest.startedAt);
    assert.equal(m2.invocations[0].wallSeconds, manifest.wallSeconds);
    assert.ok(
      Math.abs(m2.wallSeconds - (manifest.wallSeconds + m2.invocations[1].wallSeconds)) < 1e-9,
    );
    assert.deepEqual(await Deno.readFile(`${root}/history.csv`), history1);
    assert.deepEqual(await mtimes(), before, "no run folder was touched");

    // --force runs everything again, with the same numbers
    const forced = await bench(suite, { out, jobs: JOBS, force: true, workerCommand: WORKER });
    assert.deepEqual([forced.skipped, forced.ok], [0, 4]);
    assert.deepEqual(
      comparableRuns(await Deno.readTextFile(`${root}/runs.csv`)),
      comparableRuns(new TextDecoder().decode(csv1)),
    );

    // rows: one per run and point (magnitude has two points), all ok
    const rows = parseCsv(new TextDecoder().decode(csv1));
    assert.equal(rows.length, 5);
    assert.ok(
      rows.every((r) =>
        r.status === "ok" && r.suite === "twice" && r.dataset === "synthetic:teacher"
      ),
    );
    assert.deepEqual(rows.filter((r) => r.method === "magnitude").map((r) => r.point).sort(), [
      "sparsity=0.5",
      "sparsity=0.9",
    ]);
    // the network was adapted to the dataset: 20 inputs, 10 classes, width 0.1 → 30-10 hidden
    assert.ok(rows.every((r) => r.per_layer_init === "20-30-10"), rows[0].per_layer_init);
    assert.ok(
      rows.every((r) => r.acc_dense_baseline === rows.find((x) => x.method === "dense")!.acc),
    );
  });
});

Deno.test("same seed ⇒ identical numbers: acc, loss, kept units, masks, weights and history", async () => {
  await withTempDir(async (tmp) => {
    const suite = microSuite("determinism");
    const a = await bench(suite, { out: `${tmp}/a`, jobs: JOBS, workerCommand: WORKER });
    const b = await bench(suite, { out: `${tmp}/b`, jobs: JOBS, workerCommand: WORKER });
    assert.equal(a.ok, 4, a.failures.join("\n"));
    assert.equal(b.ok, 4, b.failures.join("\n"));
    const ra = await new ResultStore(`${tmp}/a/determinism`).readResults();
    const rb = await new ResultStore(`${tmp}/b/determinism`).readResults();
    assert.equal(ra.length, 4);
    const numbers = (r: RunResult) => ({
      id: r.runId,
      hparams: r.hparams,
      epochs: r.epochs,
      trainMacs: r.trainMacs,
      points: r.points.map((
        { latencyDenseMs: _d, latencyCompactMs: _c, speedupInterval: _s, ...p },
      ) => p),
    });
    assert.deepEqual(ra.map(numbers), rb.map(numbers));
    for (const r of ra) {
      assert.ok(r.points.every((p) => Number.isFinite(p.acc) && Number.isFinite(p.loss)));
      assert.ok(r.points.every((p) => p.unitsKept > 0));
    }
    // every file a run writes, except result.json (timings), is byte-identical
    const files = walk(`${tmp}/a/determinism/runs`).filter((f) =>
      !f.endsWith("result.json") && !f.endsWith("config.json")
    );
    assert.deepEqual(
      files,
      walk(`${tmp}/b/determinism/runs`).filter((f) =>
        !f.endsWith("result.json") && !f.endsWith("config.json")
      ),
    );
    assert.ok(
      files.some((f) => f.endsWith("masks.json")) && files.some((f) => f.endsWith(".bin")),
      files.join(" "),
    );
    for (const f of files.filter((f) => !f.endsWith("history.csv"))) {
      assert.deepEqual(
        await Deno.readFile(`${tmp}/a/determinism/runs/${f}`),
        await Deno.readFile(`${tmp}/b/determinism/runs/${f}`),
        f,
      );
    }
    const histA = comparableHistory(await Deno.readTextFile(`${tmp}/a/determinism/history.csv`));
    assert.ok(
      histA.some((h) => h.metric === "train_loss") && histA.some((h) => h.metric === "units_kept"),
    );
    assert.deepEqual(
      histA,
      comparableHistory(await Deno.readTextFile(`${tmp}/b/determinism/history.csv`)),
    );
    assert.deepEqual(
      comparableRuns(await Deno.readTextFile(`${tmp}/a/determinism/runs.csv`)),
      comparableRuns(await Deno.readTextFile(`${tmp}/b/determinism/runs.csv`)),
    );
  });
});

Deno.test("shards 1/2 + 2/2, aggregated, equal the unsharded run", async () => {
  await withTempDir(async (tmp) => {
    const suite = microSuite("sharded");
    const ids = planRuns(suite).map((r) => r.id);
    const in1 = ids.filter((id) => inShard(id, parseShard("1/2")));
    assert.ok(in1.length > 0 && in1.length < ids.length, "both shards have runs");

    const s1 = await bench(suite, {
      out: `${tmp}/s1`,
      jobs: JOBS,
      shard: "1/2",
      workerCommand: WORKER,
    });
    const s2 = await bench(suite, {
      out: `${tmp}/s2`,
      jobs: JOBS,
      shard: "2/2",
      workerCommand: WORKER,
    });
    assert.equal(s1.total, in1.length);
    assert.equal(s1.total + s2.total, ids.length);
    assert.equal(s1.ok + s2.ok, ids.length, [...s1.failures, ...s2.failures].join("\n"));
    const full = await bench(suite, { out: `${tmp}/full`, jobs: JOBS, workerCommand: WORKER });
    assert.equal(full.ok, ids.length);

    const mergedDir = `${tmp}/merged/sharded`;
    assert.equal(
      await aggregateCommand([`${tmp}/s1/sharded`, `${tmp}/s2/sharded`, "--out", mergedDir]),
      0,
    );
    const merged = comparableRuns(await Deno.readTextFile(`${mergedDir}/runs.csv`));
    assert.equal(new Set(merged.map((r) => r.run_id)).size, ids.length);
    assert.deepEqual(
      merged,
      comparableRuns(await Deno.readTextFile(`${tmp}/full/sharded/runs.csv`)),
    );
    assert.deepEqual(
      comparableHistory(await Deno.readTextFile(`${mergedDir}/history.csv`)),
      comparableHistory(await Deno.readTextFile(`${tmp}/full/sharded/history.csv`)),
    );
    // the merged folder is a store like any other: benching the suite there skips everything
    const again = await bench(suite, { out: `${tmp}/merged`, jobs: 1, workerCommand: NO_WORKER });
    assert.equal(again.skipped, ids.length);
    assert.deepEqual(comparableRuns(await Deno.readTextFile(`${mergedDir}/runs.csv`)), merged);
  });
});

Deno.test("a diverging run is isolated: status failed with the reason, the others ok, summary.failed 1", async () => {
  await withTempDir(async (out) => {
    const summary = await bench(nanSuite("nan"), { out, jobs: JOBS, workerCommand: WORKER });
    assert.equal(summary.total, 2);
    assert.equal(summary.ok, 1);
    assert.equal(summary.failed, 1);
    assert.equal(summary.failures.length, 1);
    assert.match(summary.failures[0], /^diverge .*(diverg|NaN)/i);
    const rows = parseCsv(await Deno.readTextFile(`${out}/nan/runs.csv`));
    assert.equal(rows.length, 2);
    const failed = rows.find((r) => r.method === "diverge")!;
    const ok = rows.find((r) => r.method === "l0-hc")!;
    assert.equal(failed.status, "failed");
    assert.match(failed.reason, /diverged at epoch 1, step 2: penalty is NaN/);
    assert.equal(failed.acc, "");
    assert.equal(ok.status, "ok");
    assert.ok(Number(ok.acc) > 0);
    assert.equal(await Deno.readTextFile(`${out}/nan/runs/${failed.run_id}/done`), "failed\n");
    const summ = parseCsv(await Deno.readTextFile(`${out}/nan/summary.csv`));
    const s = summ.find((r) => r.method === "diverge")!;
    assert.equal(s.n_failed, "1");
    assert.equal(s.n_seeds, "0");
    // a failed run counts as finished: re-running skips it; --retry-failed runs it again
    const again = await bench(nanSuite("nan"), { out, jobs: 1, workerCommand: NO_WORKER });
    assert.equal(again.skipped, 2);
    const retry = await bench(nanSuite("nan"), {
      out,
      jobs: 1,
      retryFailed: true,
      workerCommand: WORKER,
    });
    assert.deepEqual([retry.skipped, retry.failed], [1, 1]);
  });
});

Deno.test("a crashing worker fails its run with the exit code and log tail, hyperparameters resolved", async () => {
  await withTempDir(async (out) => {
    const crash = [Deno.execPath(), "eval", "console.error('boom: out of memory'); Deno.exit(3)"];
    const suite = microSuite("crash", { methods: [{ id: "l0-hc" }, { id: "dense" }] });
    const summary = await bench(suite, { out, jobs: JOBS, workerCommand: crash });
    assert.deepEqual([summary.ok, summary.failed], [0, 2]);
    const rows = parseCsv(await Deno.readTextFile(`${out}/crash/runs.csv`));
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.equal(r.status, "failed");
      assert.match(r.reason, /worker exited with code 3: .*boom: out of memory/);
    }
    // same lambda as an ok l0-hc run would report (the method's default), so summaries line up
    assert.equal(rows.find((r) => r.method === "l0-hc")!.lambda, "0.1");
  });
});

Deno.test("CLI: a diverging run makes bench exit non-zero at the end with a summary", async () => {
  await withTempDir(async (cwd) => {
    const path = await writeSuiteModule(cwd, nanSuite("nan-cli"));
    const r = await runCli([
      "bench",
      "--suite",
      path,
      "--out",
      "results",
      "--jobs",
      String(JOBS),
      "--no-report",
    ], cwd);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /nan-cli: 2 runs, 0 skipped, 1 ok, 1 failed/);
    assert.match(r.stdout, /FAILED diverge/);
    assert.match(r.stderr, /1 problem\(s\):\n {2}- diverge .*(diverg|NaN)/i);
    assert.equal(parseCsv(await Deno.readTextFile(`${cwd}/results/nan-cli/runs.csv`)).length, 2);
  });
});

Deno.test("CLI: an invalid suite exits 2 listing every problem, before any training", async () => {
  await withTempDir(async (cwd) => {
    const path = await writeSuiteModule(
      cwd,
      microSuite("invalid-cli", { methods: [{ id: "nosuchmethod" }], seeds: [1.5] }),
    );
    const r = await runCli(["bench", "--suite", path, "--out", "results", "--no-report"], cwd);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /Unknown method "nosuchmethod".*expected one of .*"dense"/);
    assert.match(r.stderr, /Seed 1\.5/);
    assert.deepEqual([...Deno.readDirSync(cwd)].map((e) => e.name), ["invalid-cli.suite.ts"]);
  });
});

Deno.test({
  name:
    "SIGKILL mid-sweep, then resume: no partial files, and the same runs.csv as an uninterrupted sweep",
  ignore: !hasSetsid(),
}, async () => {
  await withTempDir(async (cwd) => {
    const suite = microSuite("killed");
    const path = await writeSuiteModule(cwd, suite);
    const args = ["bench", "--suite", path, "--out", "results", "--jobs", "1", "--no-report"];
    const root = `${cwd}/results/killed`;

    // start the sweep and kill it (parent and worker) as soon as the first run has finished
    const child = spawnCliGroup(args, cwd);
    let log = "";
    let killed = false;
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      log += chunk;
      if (!killed && /^\[1\//m.test(log)) {
        killGroup(child.pid);
        killed = true;
      }
    }
    const status = await child.status;
    assert.ok(killed, `the sweep ended before its first run finished:\n${log}`);
    assert.equal(status.signal, "SIGKILL");

    // what a kill leaves: finished runs with done markers, at most one unfinished run folder,
    // complete files under final names, and runs.csv (if written yet) only with finished runs
    const store = new ResultStore(root);
    const runDirs = [...Deno.readDirSync(`${root}/runs`)].filter((e) => e.isDirectory).map((e) =>
      e.name
    );
    const done: string[] = [];
    for (const id of runDirs) if (await store.isDone(id)) done.push(id);
    assert.ok(done.length >= 1 && done.length < 4, `done after the kill: ${done.length}`);
    const finishedBefore = new Map<string, string>();
    for (const id of done) {
      const text = await Deno.readTextFile(`${store.runDir(id)}/result.json`);
      const result = JSON.parse(text) as RunResult;
      assert.equal(result.runId, id);
      assert.equal(result.status, "ok", result.reason);
      finishedBefore.set(id, text);
    }
    for (const f of walk(root)) {
      if (/\.tmp-/.test(f)) continue; // a write cut short stays under its temporary name
      if (f.endsWith(".json")) JSON.parse(await Deno.readTextFile(`${root}/${f}`)); // complete
    }
    try {
      const rows = parseCsv(await Deno.readTextFile(`${root}/runs.csv`));
      for (const r of rows) {
        assert.ok(done.includes(r.run_id), `runs.csv has unfinished run ${r.run_id}`);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    assert.deepEqual((await store.readResults()).map((r) => r.runId).sort(), [...done].sort());

    // resume: only the unfinished runs are run
    const resumed = await runCli(args, cwd);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`${done.length} of 4 runs already finished: skipped`));
    assert.match(
      resumed.stdout,
      new RegExp(`killed: 4 runs, ${done.length} skipped, ${4 - done.length} ok, 0 failed`),
    );
    for (const [id, text] of finishedBefore) {
      assert.equal(
        await Deno.readTextFile(`${store.runDir(id)}/result.json`),
        text,
        `run ${id} was run again`,
      );
    }
    assert.deepEqual(
      walk(`${root}/runs`).filter((f) => /\.tmp-/.test(f)),
      [],
      "no temporary files in run folders",
    );

    // an uninterrupted sweep of the same suite
    const full = await bench(suite, { out: `${cwd}/full`, jobs: JOBS, workerCommand: WORKER });
    assert.equal(full.ok, 4, full.failures.join("\n"));
    const resumedRows = comparableRuns(await Deno.readTextFile(`${root}/runs.csv`));
    assert.equal(resumedRows.length, 5);
    assert.deepEqual(
      resumedRows,
      comparableRuns(await Deno.readTextFile(`${cwd}/full/killed/runs.csv`)),
    );
    assert.deepEqual(
      comparableHistory(await Deno.readTextFile(`${root}/history.csv`)),
      comparableHistory(await Deno.readTextFile(`${cwd}/full/killed/history.csv`)),
    );
  });
});

Deno.test("after a suite changes, runs.csv covers the suite as it is; earlier runs stay on disk", async () => {
  await withTempDir(async (out) => {
    const before = microSuite("edit", { methods: [{ id: "dense" }] });
    await bench(before, { out, jobs: 1, workerCommand: WORKER });
    const after = { ...before, recipe: { ...before.recipe, epochs: 2 } };
    const r = await bench(after, { out, jobs: 1, workerCommand: WORKER });
    assert.deepEqual([r.total, r.skipped, r.ok], [1, 0, 1]);
    const rows = parseCsv(await Deno.readTextFile(`${out}/edit/runs.csv`));
    assert.deepEqual(rows.map((x) => [x.run_id, x.epochs]), [[planRuns(after, "wasm")[0].id, "2"]]);
    const dirs = [...Deno.readDirSync(`${out}/edit/runs`)].map((e) => e.name).sort();
    const ids = [planRuns(before, "wasm")[0].id, planRuns(after, "wasm")[0].id].sort();
    assert.deepEqual(dirs, ids, "the earlier run is kept");
    const summary = parseCsv(await Deno.readTextFile(`${out}/edit/summary.csv`));
    assert.equal(summary[0].n_seeds, "1");
  });
});
