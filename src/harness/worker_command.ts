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
  /** Modules the workers import besides prunebench (the suite's `methodModules`). */
  modules?: readonly string[];
}

/** URL of the worker entry module (`worker.ts`), local or remote like this module. */
export const WORKER_ENTRY: string = new URL("./worker.ts", import.meta.url).href;

/**
 * `[deno, "run", …flags, worker entry]`; the harness appends each run's `config.json` path.
 *
 * Permissions: read everywhere (data, Deno's npm cache, the user's method modules), write only to
 * the results root and the dataset cache, env and sys (tfjs), FFI only when this process has it
 * (native BLAS), net only to the dataset mirrors, imports from the hosts prunebench and the
 * method modules are served from (when remote), and `git` only when this process may run it
 * (provenance).
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
  const remote = [WORKER_ENTRY, ...(options.modules ?? [])].map((m) => new URL(m, "file:///"))
    .filter((u) => u.protocol === "https:" || u.protocol === "http:").map((u) => u.host);
  return [
    denoExecutable(),
    "run",
    "--quiet",
    ...configFlag(),
    "--allow-read",
    `--allow-write=${write.join(",")}`,
    "--allow-env",
    "--allow-sys",
    ...(granted({ name: "ffi" }) ? ["--allow-ffi"] : []),
    ...(granted({ name: "run", command: "git" }) ? ["--allow-run=git"] : []),
    `--allow-net=${MIRROR_HOSTS.join(",")}`,
    ...(remote.length ? [`--allow-import=${[...new Set(remote)].join(",")}`] : []),
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
 * This Deno's executable, or `deno` when only that name may be run (`--allow-run=deno` where the
 * executable is reached through a symlink, e.g. an npm-installed Deno, grants the name and the
 * link, not the target).
 */
function denoExecutable(): string {
  const exec = Deno.execPath();
  if (!granted({ name: "run", command: exec }) && granted({ name: "run", command: "deno" })) {
    return "deno";
  }
  return exec;
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
        command === Deno.execPath() ? " (this Deno's executable; or --allow-run=deno)" : ""
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
