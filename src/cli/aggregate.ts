/**
 * `aggregate DIR [DIR ...] --out DIR`: merges the finished runs of several result folders (e.g.
 * the shards of one suite run on a cluster) into one set of CSVs. Run folders are copied into
 * `--out/runs/` so the merged folder can be reported and resumed like any other.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ResultStore } from "../harness/store.ts";
import { aggregateStore } from "../harness/bench.ts";
import { ConfigError } from "../util/errors.ts";
import { UsageError } from "../util/usage.ts";
import { COMMANDS } from "./commands.ts";
import { parse } from "./parse.ts";
import { commandScopes } from "./permissions.ts";
import { ensureScopes } from "./rerun.ts";

async function copyDir(src: string, dst: string): Promise<void> {
  await Deno.mkdir(dst, { recursive: true });
  for await (const e of Deno.readDir(src)) {
    if (e.isDirectory) await copyDir(`${src}/${e.name}`, `${dst}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${src}/${e.name}`, `${dst}/${e.name}`);
  }
}

/** Merges result folders; returns the exit code. */
export async function aggregateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string" } },
  });
  if (!positionals.length || !values.out) {
    throw new ConfigError(["usage: aggregate DIR [DIR ...] --out DIR"], "aggregate arguments");
  }
  const out = new ResultStore(values.out);
  let copied = 0;
  for (const dir of positionals) {
    const src = new ResultStore(dir);
    for (const r of await src.readResults()) {
      if (dir !== values.out) {
        await Deno.remove(out.runDir(r.runId), { recursive: true }).catch(() => {});
        await copyDir(src.runDir(r.runId), out.runDir(r.runId));
      }
      copied++;
    }
    try {
      await Deno.copyFile(`${dir}/manifest.json`, `${values.out}/manifest.json`);
    } catch { /* no manifest */ }
  }
  await aggregateStore(out);
  console.log(
    `Merged ${copied} finished runs into ${values.out}/runs.csv, history.csv, summary.csv`,
  );
  return 0;
}

/** `cli.ts aggregate …` (`argv` includes the command name): scopes, then {@linkcode aggregateCommand}. */
export async function aggregateMain(argv: string[]): Promise<number> {
  const rest = argv.slice(1);
  const p = parse("aggregate", rest);
  if (p === null) return 0;
  const out = p.values.out as string | undefined;
  if (!p.positionals.length || !out) {
    throw new UsageError("aggregate needs at least one DIR and --out DIR", COMMANDS.aggregate);
  }
  const scopes = commandScopes({ writes: [out], reads: p.positionals });
  return await ensureScopes(scopes, argv) ?? await aggregateCommand(rest);
}
