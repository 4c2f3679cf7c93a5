/**
 * The command line as a new user meets it: `--help` of every command (directly and through the
 * deno tasks), unknown flags, negative numbers, `list <id>`.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { COMMANDS } from "../src/cli/commands.ts";
import { SCRIPTS } from "../benchmarks/help.ts";
import { formatHelp, joinNegativeValues, parseCommand } from "../src/util/usage.ts";
import { cliArgs } from "./harness_helpers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function sh(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code, out: dec.decode(stdout), err: dec.decode(stderr) };
}

/** Checks a help text: usage, options, a default and two examples. */
function assertHelp(text: string, name: string): void {
  assert.ok(text.includes("Usage:"), name);
  assert.ok(text.includes("Options:"), name);
  assert.ok(text.includes("--help"), name);
  const examples = text.split("Examples:\n")[1];
  assert.ok(examples !== undefined, `${name}: no examples`);
  const lines = examples.split("\n").filter((l) => l.startsWith("  deno task"));
  assert.ok(lines.length >= 2, `${name}: expected two examples, got ${lines.length}`);
}

Deno.test("every command's help lists usage, options with defaults and two examples", () => {
  for (const [name, h] of Object.entries({ ...COMMANDS, ...SCRIPTS })) {
    assertHelp(formatHelp(h), name);
    if (h.options.some((o) => o.default !== undefined)) {
      assert.match(formatHelp(h), /\(default: /);
    }
  }
});

Deno.test("cli.ts <command> --help answers for every command, exit 0", async () => {
  const results = await Promise.all(
    Object.keys(COMMANDS).map((c) => sh(cliArgs([c, "--help"]))),
  );
  Object.keys(COMMANDS).forEach((c, i) => {
    assert.deepEqual(results[i].code, 0, `${c}: ${results[i].err}`);
    assertHelp(results[i].out, c);
    assert.ok(results[i].out.includes(COMMANDS[c].examples[0]));
  });
});

Deno.test("deno task <command> --help answers through the tasks (bench, report, perf, validate)", async () => {
  const tasks = ["bench", "run", "list", "aggregate", "report", ...Object.keys(SCRIPTS)];
  const results = await Promise.all(tasks.map((t) => sh(["task", "--quiet", t, "--help"])));
  tasks.forEach((t, i) => {
    assert.deepEqual(results[i].code, 0, `${t}: ${results[i].err}`);
    assertHelp(results[i].out, t);
  });
});

Deno.test("an unknown flag prints the problem and the usage, exit 2", async () => {
  const r = await sh(cliArgs(["bench", "--bogus"]));
  assert.deepEqual(r.code, 2);
  assert.ok(r.err.includes('Unknown option "--bogus"'), r.err);
  assert.ok(r.err.includes("Usage:"));
  assert.ok(r.err.includes("--suite ID|FILE"));
  const p = await sh(["task", "--quiet", "validate:l0", "--bogus"]);
  assert.deepEqual(p.code, 2);
  assert.ok(p.err.includes("Usage:"));
});

Deno.test("a misspelt flag and a suite's typos are reported together, before anything runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const suite = `${dir}/typos.ts`;
    await Deno.writeTextFile(
      suite,
      `export const suite = { id: "typos", description: "", datasets: ["mnist"],
  archs: [{ id: "lenet-300-100", widths: [1] }], methods: [{ id: "l0-hc", hparam: {} }], seeds: [1],
  recipe: { epochz: 1, epochs: 1, batchSize: 100, optimizer: { kind: "adam", lr: 1e-3 } } };\n`,
    );
    const r = await sh(["task", "--quiet", "bench", "--suite", suite, "--jbos", "2", "--out", dir]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /3 problems/);
    assert.match(r.err, /Unknown option "--jbos": did you mean "--jobs"\?/);
    assert.match(r.err, /Unknown key "hparam" in methods\[0\]: did you mean "hparams"\?/);
    assert.match(r.err, /Unknown key "epochz" in recipe: did you mean "epochs"\?/);
    assert.ok(r.err.includes("Usage:"), "the usage follows the problems");
    // nothing ran: no suite folder was made
    await assert.rejects(() => Deno.stat(`${dir}/typos`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("negative numbers parse: --width -1 gives the range error, not 'ambiguous'", async () => {
  assert.deepEqual(joinNegativeValues(["--width", "-1", "--force"], COMMANDS.run), [
    "--width=-1",
    "--force",
  ]);
  const parsed = parseCommand(COMMANDS.run, ["--width", "-0.5", "--seed", "-3"]);
  if (parsed.help) throw new Error("not help");
  assert.deepEqual([parsed.values.width, parsed.values.seed], ["-0.5", "-3"]);
  const out = await Deno.makeTempDir();
  try {
    const r = await sh(cliArgs([
      "run",
      "--method",
      "l0-hc",
      "--arch",
      "lenet-300-100",
      "--width",
      "-1",
      "--out",
      out,
    ]));
    assert.deepEqual(r.code, 2, r.err);
    assert.match(r.err, /Width -1 .*must be a positive number/);
    assert.ok(!r.err.includes("ambiguous"), r.err);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("list l0-hc shows its hyperparameters with types, defaults, ranges and docs", async () => {
  const r = await sh(cliArgs(["list", "l0-hc"]));
  assert.deepEqual(r.code, 0, r.err);
  assert.match(r.out, /^\s+lambda\s+number\s+0\.1\s+≥ 0$/m);
  assert.match(r.out, /granularity\s+string\s+"unit"\s+one of "unit", "weight"/);
  assert.match(r.out, /droprateInit\s+number\s+0\.5\s+> 0, < 1/);
  assert.ok(r.out.includes("lambda: L0 strength"));
  const a = await sh(cliArgs(["list", "lenet-300-100", "smoke"]));
  assert.deepEqual(a.code, 0, a.err);
  assert.ok(a.out.includes("architecture lenet-300-100"));
  assert.ok(a.out.includes("suite smoke"));
  const bad = await sh(cliArgs(["list", "l0-hcc"]));
  assert.deepEqual(bad.code, 2);
  assert.ok(bad.err.includes('"l0-hc"'));
});
