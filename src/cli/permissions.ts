/**
 * Least privilege, written once. Every `cli.ts` command computes the exact Deno permissions it
 * needs from what the user named (`--out`, `--suite`, the suite's `methodModules`, `--data-dir`,
 * the directories of `aggregate` and `report`); workers get a narrower set per run. When the
 * running process lacks them (the deno tasks start `cli.ts` with read access and the right to run
 * the Deno executable only), `cli.ts` re-runs itself with exactly these flags:
 *
 * - command (`bench`, `run`, …): read the repository, the outputs and inputs named, user method
 *   modules, dataset locations and fonts (report); write the outputs named; run the Deno
 *   executable (workers), `git` (the revision), `ps` (is the holder of an output-folder lock
 *   alive?) and `lscpu` (the CPU model: Deno reads `/proc/cpuinfo` only with `--allow-all`),
 *   `bench`/`run` only; net only to hosts of remote
 *   method modules; no FFI.
 * - worker (one run): read the repository, its run folder, modules, dataset locations and the
 *   cache; write its run folder and the dataset cache; net to the dataset mirrors; FFI only when a
 *   BLAS library is found (`$PRUNEBENCH_BLAS` or the first `libopenblas.so.0` / `libblas.so.3` in
 *   the usual library folders), which it is told to open by absolute path; runs nothing.
 *
 * - script (`deno task perf`, `bench:data`, `bench:models`, `validate:*`; see
 *   {@linkcode scriptScopes}): read the repository, dataset locations and fonts;
 *   write `results/` (and the dataset cache when it may download); FFI when a BLAS library is found.
 *
 * FFI cannot be scoped to the library path: Deno 2.9 checks `Deno.UnsafePointer.of` and
 * `Deno.UnsafePointerView` (which the BLAS kernels need to hand wasm-heap pointers to
 * `cblas_sgemm`) against *unscoped* `--allow-ffi`, and refuses them under `--allow-ffi=<path>`.
 * Reproduction (Deno 2.9.6: `NotCapable: Requires ffi access` with the path, `true` without it):
 *
 * ```
 * echo 'console.log(Deno.UnsafePointer.of(new Uint8Array(4)) !== null)' |
 *   deno run --allow-ffi=/usr/lib -
 * ```
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath as fromFileUrl } from "node:url";
import { MIRROR_HOSTS } from "../data/mod.ts";
import { defaultCacheDir } from "../data/sources.ts";

/** Permission scopes of a process (paths absolute; `true` = unscoped). */
export interface Scopes {
  /** Readable paths. */
  read: string[];
  /** Writable paths. */
  write: string[];
  /** Executables it may run. */
  run: string[];
  /** Hosts it may contact. */
  net: string[];
  /** FFI (unscoped: see the module doc). */
  ffi: boolean;
  /** Environment variables. */
  env: true;
  /** System information (hostname, memory). */
  sys: true;
}

/** Absolute path of the repository (the folder of `deno.json`). */
export const REPO: string = fromFileUrl(new URL("../../", import.meta.url));

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

const abs = (p: string) => (isAbsolute(p) ? p : resolve(Deno.cwd(), p));
const uniq = (xs: (string | null | undefined)[]) =>
  [...new Set(xs.filter((x): x is string => !!x))].sort();

/** Folders searched for the BLAS library by soname, in order. */
const LIBRARY_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/lib",
  "/lib/x86_64-linux-gnu",
  "/lib64",
  "/lib",
];

/**
 * Absolute paths of the BLAS libraries a worker may open: `$PRUNEBENCH_BLAS`, or the first
 * `libopenblas.so.0` / `libblas.so.3` found (Linux), or the Accelerate framework (macOS); none
 * when `PRUNEBENCH_BLAS` is `off`.
 */
export function blasLibraries(): string[] {
  const fromEnv = env("PRUNEBENCH_BLAS");
  if (fromEnv && /^(off|0|false|none)$/i.test(fromEnv)) return [];
  if (fromEnv) return [abs(fromEnv)];
  if (Deno.build.os === "darwin") {
    return ["/System/Library/Frameworks/Accelerate.framework/Accelerate"];
  }
  const out: string[] = [];
  for (const name of ["libopenblas.so.0", "libblas.so.3"]) {
    for (const d of LIBRARY_DIRS) {
      try {
        Deno.statSync(join(d, name));
        out.push(join(d, name));
        break;
      } catch { /* not there, or not readable */ }
    }
  }
  return out;
}

/** The dataset locations a process reads: `--data-dir` / `$PRUNEBENCH_DATA_DIR`, cache, Debian's. */
export function dataPaths(dataDir?: string): string[] {
  return uniq([
    dataDir ? abs(dataDir) : env("PRUNEBENCH_DATA_DIR") && abs(env("PRUNEBENCH_DATA_DIR")!),
    defaultCacheDir(),
    "/usr/share/datasets",
  ]);
}

/** Read paths and hosts of user method modules (file: URLs and remote ones). */
export function moduleScopes(urls: readonly string[] = []): { read: string[]; net: string[] } {
  const read: string[] = [], net: string[] = [];
  for (const u of urls) {
    const url = new URL(u);
    if (url.protocol === "file:") read.push(dirname(fromFileUrl(url)));
    else if (url.protocol === "http:" || url.protocol === "https:") net.push(url.host);
  }
  return { read: uniq(read), net: uniq(net) };
}

/** What a `cli.ts` command needs, from the paths the user named. */
export interface CommandNeeds {
  /** Folders it writes (created if missing). */
  writes?: string[];
  /** Further files or folders it reads (suite module, input result folders). */
  reads?: string[];
  /** Resolved URLs of user method modules. */
  modules?: readonly string[];
  /** `--data-dir`. */
  dataDir?: string;
  /** True for `bench`/`run`: it starts workers (runs Deno) and records the git revision. */
  startsWorkers?: boolean;
}

/** The scopes of a `cli.ts` command. */
export function commandScopes(n: CommandNeeds): Scopes {
  const m = moduleScopes(n.modules);
  const writes = (n.writes ?? []).map(abs);
  return {
    read: uniq([
      REPO,
      ...writes,
      ...(n.reads ?? []).map(abs),
      ...m.read,
      ...dataPaths(n.dataDir),
      "/usr/share/fonts",
      ...(n.startsWorkers ? blasLibraries() : []), // to find the library the workers will open
    ]),
    write: uniq(writes),
    run: n.startsWorkers ? [Deno.execPath(), "git", "ps", "lscpu"] : [],
    net: m.net,
    ffi: false,
    env: true,
    sys: true,
  };
}

/** The scopes of the worker of one run. */
export function workerScopes(
  runDir: string,
  options: { modules?: readonly string[]; dataDir?: string; blas?: string[] } = {},
): Scopes {
  const m = moduleScopes(options.modules);
  const blas = options.blas ?? blasLibraries();
  const cache = defaultCacheDir();
  return {
    read: uniq([REPO, abs(runDir), ...m.read, ...dataPaths(options.dataDir), ...blas]),
    write: uniq([abs(runDir), cache]),
    run: [],
    net: uniq([...MIRROR_HOSTS, ...m.net]),
    ffi: blas.length > 0,
    env: true,
    sys: true,
  };
}

/** `deno run` flags granting exactly `s` (a scope with no entries grants nothing). */
export function permissionFlags(s: Scopes): string[] {
  const f: string[] = [];
  const add = (name: string, xs: string[]) => {
    if (xs.length) f.push(`--allow-${name}=${xs.join(",")}`);
  };
  add("read", s.read);
  add("write", s.write);
  add("run", s.run);
  add("net", s.net);
  if (s.ffi) f.push("--allow-ffi");
  if (s.env) f.push("--allow-env");
  if (s.sys) f.push("--allow-sys");
  return f;
}

/** The `deno run` command line of a script with exactly `s`. */
export function denoCommand(s: Scopes, script: string, args: string[]): string[] {
  const config = join(REPO, "deno.json");
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-prompt",
    ...(exists(config) ? ["--config", config] : []),
    ...permissionFlags(s),
    script,
    ...args,
  ];
}

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The permissions of `s` this process does not have (empty when it has them all). */
export function missing(s: Scopes): string[] {
  const out: string[] = [];
  const check = (d: Deno.PermissionDescriptor, label: string) => {
    if (Deno.permissions.querySync(d).state !== "granted") out.push(label);
  };
  for (const path of s.read) check({ name: "read", path }, `read ${path}`);
  for (const path of s.write) check({ name: "write", path }, `write ${path}`);
  for (const command of s.run) check({ name: "run", command }, `run ${command}`);
  for (const host of s.net) check({ name: "net", host }, `net ${host}`);
  if (s.ffi) check({ name: "ffi" }, "ffi");
  check({ name: "env" }, "env");
  check({ name: "sys" }, "sys");
  return out;
}

/**
 * Scopes of `run --model` (prunes in this process): read the model and the data, write `--out`
 * (default under results/) and the dataset cache, FFI for BLAS, the dataset mirrors and the
 * model's host when it is a URL.
 */
export function pruneScopes(args: string[]): Scopes {
  const str1 = { type: "string" } as const;
  const { values: v } = parseArgs({
    args,
    strict: false,
    options: { model: str1, data: str1, out: str1, "data-dir": str1 },
  });
  const str = (x: unknown) => (typeof x === "string" ? x : undefined);
  const model = str(v.model), data = str(v.data);
  const s = workerScopes(str(v.out) ?? "results", {
    dataDir: str(v["data-dir"]),
    blas: blasLibraries(),
  });
  const remote = model && /^https?:/.test(model) ? new URL(model) : null;
  if (remote) s.net.push(remote.host);
  else if (model) {
    // model.json and its weight files, which lie beside it (or the folder given)
    const path = resolve(model.startsWith("file:") ? fromFileUrl(model) : model);
    s.read.push(path.endsWith(".json") ? dirname(path) : path);
  }
  if (data && data.endsWith(".csv")) s.read.push(resolve(data));
  if (data?.startsWith("imagefolder:")) s.read.push(resolve(data.slice(12)));
  return s;
}

/** What a benchmark script does beyond reading data and the repository. */
interface ScriptNeeds {
  /** Repository-relative path of the script. */
  path: string;
  /** Writes `results/` (and the dataset cache with `downloads`). */
  writesResults: boolean;
  /** May download datasets (writes the cache, reaches the mirrors). */
  downloads: boolean;
  /** Starts Deno processes. */
  runsDeno: boolean;
}

/** The benchmark scripts started through `cli.ts <task>`, keyed by their deno task. */
export const SCRIPTS: Readonly<Record<string, ScriptNeeds>> = {
  perf: { path: "benchmarks/perf.ts", writesResults: true, downloads: false, runsDeno: true },
  "bench:data": {
    path: "benchmarks/data_bench.ts",
    writesResults: false,
    downloads: false,
    runsDeno: false,
  },
  "bench:models": {
    path: "benchmarks/models_bench.ts",
    writesResults: false,
    downloads: false,
    runsDeno: false,
  },
  "validate:l0": {
    path: "benchmarks/validate-l0.ts",
    writesResults: true,
    downloads: true,
    runsDeno: false,
  },
  "validate:methods": {
    path: "benchmarks/validate-methods.ts",
    writesResults: true,
    downloads: true,
    runsDeno: false,
  },
  "validate:reference": {
    path: "benchmarks/validate-reference.ts",
    writesResults: true,
    downloads: true,
    runsDeno: false,
  },
};

/**
 * The scopes of a benchmark script (see {@linkcode SCRIPTS}): read the repository, dataset
 * locations, fonts and the BLAS library; write `results/` and, when it may
 * download, the dataset cache; FFI when a BLAS library is found.
 */
export function scriptScopes(name: string): Scopes {
  const n = SCRIPTS[name];
  const blas = blasLibraries();
  const results = join(REPO, "results");
  return {
    read: uniq([REPO, ...dataPaths(), "/usr/share/fonts", ...blas]),
    write: uniq([
      ...(n.writesResults ? [results] : []),
      ...(n.downloads ? [defaultCacheDir()] : []),
    ]),
    run: n.runsDeno ? [Deno.execPath()] : [],
    net: n.downloads ? [...MIRROR_HOSTS] : [],
    ffi: blas.length > 0,
    env: true,
    sys: true,
  };
}
