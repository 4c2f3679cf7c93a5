/**
 * Every deno task (commands and benchmark scripts) takes its permissions from
 * `src/cli/permissions.ts`: the tasks are one launcher line, and the scripts' scopes are computed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { permissionFlags, REPO, SCRIPTS, scriptScopes } from "../src/cli/permissions.ts";

const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

Deno.test("every runtime task is the one launcher line: cli.ts <task>, read/env/run-Deno only", () => {
  const tasks = JSON.parse(Deno.readTextFileSync(CONFIG)).tasks as Record<string, string>;
  const launcher = tasks.bench.replace(/ cli\.ts bench$/, "");
  assert.match(launcher, /^deno run --allow-read --allow-env --allow-run="\$\(deno eval /);
  for (const [name, t] of Object.entries(tasks)) {
    if (["test", "check", "ok"].includes(name)) continue;
    assert.equal(t, `${launcher} cli.ts ${name}`, name);
  }
  for (const name of Object.keys(SCRIPTS)) assert.ok(Object.hasOwn(tasks, name), name);
});

Deno.test("benchmark scripts get scoped reads, writes under results/, the network only to download", () => {
  for (const name of Object.keys(SCRIPTS)) {
    const s = scriptScopes(name);
    assert.ok(s.read.length > 0 && s.read.every((p) => p.startsWith("/") && p !== "/"), name);
    assert.ok(s.read.includes(REPO), name);
    const flags = permissionFlags(s).join(" ");
    assert.doesNotMatch(flags, /--allow-read( |$)|--allow-write( |$)|--allow-run( |$)/, name);
    for (const w of s.write) {
      assert.ok(w === join(REPO, "results") || !w.startsWith(REPO), `${name} writes ${w}`);
    }
    assert.equal(s.net.length > 0, SCRIPTS[name].downloads, name);
    assert.deepEqual(s.run, SCRIPTS[name].runsDeno ? [Deno.execPath()] : [], name);
  }
  assert.deepEqual(scriptScopes("bench:data").write, []);
});
