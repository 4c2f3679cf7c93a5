/**
 * Harness integrity under bad input, faults and real deployments (issue 16): finite divergence,
 * error classes and exit codes, run identity, up-front validation, aggregation, the output-folder
 * lock, paths outside the repository, data provenance, filesystem faults and permissions.
 */
import assert from "node:assert/strict";
import { finiteDivergence } from "../src/harness/divergence.ts";
import { ConfigError } from "../src/util/errors.ts";
import { reportError } from "../cli.ts";
import { planRuns } from "../src/harness/bench.ts";
import { METHODS } from "../src/methods/registry.ts";
import type { MethodSpec } from "../src/methods/types.ts";
import { microSuite } from "./harness_helpers.ts";
import { parseCsv, runCli, withTempDir } from "./harness_helpers.ts";

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
  assert.equal(r.identity.train.optimizer.beta1, 0.9);
  const explicit = planRuns(microSuite("ids", {
    methods: [{ id: "l0-hc" }],
    recipe: { ...microSuite().recipe, schedule: { kind: "constant" }, ema: null, augment: "none" },
  }))[0];
  assert.equal(explicit.id, r.id, "spelling out a recipe default is the same run");
});
