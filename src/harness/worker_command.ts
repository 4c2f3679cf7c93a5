/**
 * The default command line of `bench`'s worker processes, so that `bench()` works with defaults
 * from any Deno project: the worker entry is `worker.ts` next to this file (a `file:` path or the
 * `https:` URL prunebench was imported from), run with the configuration file the calling process
 * uses and with permissions no wider than a run needs.
 *
 * Workers inherit the environment, so `DENO_CERT` (a custom CA for an `https:` import) and
 * `DENO_DIR` reach them; a `--cert` flag given to the parent does not (use `DENO_CERT`).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MIRROR_HOSTS } from "../data/manifest.ts";
import { defaultCacheDir } from "../data/sources.ts";

/** Options of {@linkcode defaultWorkerCommand}. */
export interface WorkerCommandOptions {
  /** Results root the workers write to. */
  out: string;
}

/** URL of the worker entry module (`worker.ts`), local or remote like this module. */
export const WORKER_ENTRY: string = new URL("./worker.ts", import.meta.url).href;

/**
 * `[deno, "run", …flags, worker entry]`; the harness appends each run's `config.json` path.
 *
 * Permissions: read everywhere (data, Deno's npm cache, the user's method modules), write only to
 * the results root and the dataset cache, env and sys (tfjs), FFI only when this process has it
 * (native BLAS), net only to the dataset mirrors (and to the host prunebench is served from), and
 * `git` only when this process may run it (provenance).
 *
 * @example
 * ```ts
 * import { defaultWorkerCommand } from "./worker_command.ts";
 * const cmd = defaultWorkerCommand({ out: "results" });
 * if (cmd[1] !== "run" || !cmd.at(-1)!.endsWith("/worker.ts")) throw new Error(cmd.join(" "));
 * ```
 */
export function defaultWorkerCommand(options: WorkerCommandOptions): string[] {
  const entry = new URL(WORKER_ENTRY);
  const cache = defaultCacheDir(); // downloads
  const write = cache ? [options.out, cache] : [options.out];
  const net = [...MIRROR_HOSTS, ...(entry.protocol === "file:" ? [] : [entry.host])];
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    ...configFlag(),
    "--allow-read",
    `--allow-write=${write.join(",")}`,
    "--allow-env",
    "--allow-sys",
    ...(granted({ name: "ffi" }) ? ["--allow-ffi"] : []),
    ...(granted({ name: "run", command: "git" }) ? ["--allow-run=git"] : []),
    `--allow-net=${net.join(",")}`,
    entry.protocol === "file:" ? fileURLToPath(entry) : entry.href,
  ];
}

/**
 * The configuration file this process runs with, found as Deno finds it: the nearest
 * `deno.json(c)` above the main module (above the working directory when the main module is
 * remote). Workers get it explicitly, so a user's method modules resolve with the user's import
 * map and node_modules setting rather than prunebench's; `--no-config` when there is none.
 */
function configFlag(): string[] {
  let dir: string;
  try {
    const main = new URL(Deno.mainModule);
    dir = main.protocol === "file:" ? dirname(fileURLToPath(main)) : Deno.cwd();
  } catch {
    return [];
  }
  for (;;) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      const path = join(dir, name);
      try {
        if (Deno.statSync(path).isFile) return ["--config", path];
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) return []; // not permitted: let Deno discover
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return ["--no-config"];
    dir = parent;
  }
}

/**
 * Throws a clear `NotCapable` error when this process may not start `command` (the worker
 * executable), before any run starts; the bare spawn error names neither `bench` nor the fix.
 *
 * @example
 * ```ts
 * import { assertCanSpawn } from "./worker_command.ts";
 * assertCanSpawn(Deno.execPath()); // tests run with --allow-run
 * ```
 */
export function assertCanSpawn(command: string): void {
  if (granted({ name: "run", command })) return;
  throw new Deno.errors.NotCapable(
    `Cannot start bench()'s worker processes: run access to "${command}" is not granted. ` +
      `Run with --allow-run=${command}${
        command === Deno.execPath() ? " (the Deno executable, Deno.execPath())" : ""
      }`,
  );
}

function granted(desc: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(desc).state === "granted";
  } catch {
    return false;
  }
}
