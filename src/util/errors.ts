/**
 * Error helpers in the style of denoland/std: built-in error classes, sentence-case messages that
 * state the failed action, quote the offending value and say how to fix it.
 *
 * @module
 */

/**
 * Raised when a user-supplied configuration (suite, CLI flags, method hyperparameters) is invalid.
 * It carries every problem found, so one run of validation reports all of them at once. It is not a
 * `TypeError`: the CLI exits 2 with the message for it, and 1 with the stack for a real bug.
 *
 * @example Collect several problems
 * ```ts
 * import { ConfigError } from "./errors.ts";
 * const err = new ConfigError(["Unknown method \"x\"", "Width must be > 0: got -1"]);
 * if (err.problems.length !== 2) throw new Error("expected two problems");
 * if (err instanceof TypeError) throw new Error("a ConfigError is not a TypeError");
 * ```
 */
export class ConfigError extends Error {
  /** Every problem found, one line each. */
  readonly problems: readonly string[];
  /** Creates a configuration error from a list of problems. */
  constructor(problems: readonly string[], what = "configuration") {
    super(
      problems.length === 1
        ? `Invalid ${what}: ${problems[0]}`
        : `Invalid ${what}: ${problems.length} problems:\n${
          problems.map((p) => `  - ${p}`).join("\n")
        }`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Raised when a file's content does not match what it must be (hash, size, header, record count).
 * The message names the file and the fix (delete the cached copy, reinstall the package, …).
 *
 * @example Tell a corrupt file from other failures
 * ```ts
 * import { DataIntegrityError } from "./errors.ts";
 * const err: unknown = new DataIntegrityError("cache/mnist/t10k-labels-idx1-ubyte", "bad SHA-256");
 * if (!(err instanceof DataIntegrityError) || !err.path.endsWith("ubyte")) throw new Error();
 * ```
 */
export class DataIntegrityError extends Error {
  /** Path of the offending file. */
  readonly path: string;
  /** Creates an integrity error for a file. */
  constructor(path: string, message: string) {
    super(message);
    this.name = "DataIntegrityError";
    this.path = path;
  }
}

/**
 * Raised when training diverges (NaN/Inf loss or parameters); the message carries the reason.
 *
 * @example Where it happened
 * ```ts
 * import { DivergenceError } from "./errors.ts";
 * const err = new DivergenceError("Loss is NaN", 2, 250);
 * if (err.epoch !== 2 || err.step !== 250 || err.name !== "DivergenceError") throw new Error();
 * ```
 */
export class DivergenceError extends Error {
  /** Epoch (0-based) at which divergence was detected. */
  readonly epoch: number;
  /** Step (global, 0-based) at which divergence was detected. */
  readonly step: number;
  /** Creates a divergence error. */
  constructor(message: string, epoch: number, step: number) {
    super(message);
    this.name = "DivergenceError";
    this.epoch = epoch;
    this.step = step;
  }
}

/**
 * Formats a "cannot find" message listing valid choices, e.g.
 * `Cannot find pruning method "x": expected one of "dam", "l0-hc"`.
 *
 * @example
 * ```ts
 * import { notFoundMessage } from "./errors.ts";
 * const m = notFoundMessage("pruning method", "x", ["l0-hc", "dam"]);
 * if (m !== 'Cannot find pruning method "x": expected one of "l0-hc", "dam"') throw new Error(m);
 * ```
 */
export function notFoundMessage(what: string, value: string, valid: readonly string[]): string {
  return `Cannot find ${what} "${value}": expected one of ${valid.map((v) => `"${v}"`).join(", ")}`;
}

/** Returns the value registered under `id`, or throws a `RangeError` listing the valid ids. */
export function lookup<T>(registry: Readonly<Record<string, T>>, id: string, what: string): T {
  if (!Object.hasOwn(registry, id)) {
    throw new RangeError(notFoundMessage(what, id, Object.keys(registry)));
  }
  return registry[id];
}

/** Edit distance (insertions, deletions, substitutions) between two strings. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The valid name closest to a misspelt one (case-insensitive edit distance at most a third of its
 * length, at least 2), or null when none is close: for "did you mean …?" hints.
 *
 * @example
 * ```ts
 * import { closestName } from "./errors.ts";
 * if (closestName("epochz", ["epochs", "batchSize"]) !== "epochs") throw new Error();
 * if (closestName("hparam", ["hparams", "grid"]) !== "hparams") throw new Error();
 * if (closestName("zzz", ["epochs"]) !== null) throw new Error();
 * ```
 */
export function closestName(name: string, valid: readonly string[]): string | null {
  let best: string | null = null, bestD = Infinity;
  for (const v of valid) {
    const d = editDistance(name.toLowerCase(), v.toLowerCase());
    if (d < bestD) [best, bestD] = [v, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** OS error codes of filesystem faults the user must fix, and what to do about each. */
const FS_FAULTS: [RegExp, string, string][] = [
  [/os error 28\b|No space left/i, "the disk is full", "free space there or pass another --out"],
  [
    /os error 122\b|quota exceeded/i,
    "the disk quota is exceeded",
    "free space or pass another --out",
  ],
  [/os error 30\b|Read-only file system/i, "the file system is read-only", "pass a writable --out"],
  [
    /os error 13\b|os error 1\b|Permission denied|Operation not permitted/i,
    "permission is denied",
    "fix the folder's owner or mode, or pass another --out",
  ],
  [/os error 20\b|Not a directory/i, "a file is where a folder must be", "pass a folder as --out"],
];

/**
 * One line for a filesystem fault (disk full, read-only file system, permission denied, a file
 * where a folder must be) naming the path and the fix, or null when `e` is not one. Deno's
 * permission refusals (`NotCapable`) are not filesystem faults.
 *
 * @example
 * ```ts
 * import { fileSystemFault } from "./errors.ts";
 * const e = new Error("Read-only file system (os error 30): mkdir '/mnt/ro/out'");
 * const line = fileSystemFault(e)!;
 * if (!line.includes("/mnt/ro/out") || !line.includes("read-only")) throw new Error(line);
 * ```
 */
export function fileSystemFault(e: unknown): string | null {
  if (!(e instanceof Error) || e.name === "NotCapable") return null;
  const text = e.message;
  for (const [re, what, fix] of FS_FAULTS) {
    if (!re.test(text)) continue;
    // the final name, not the temporary one an atomic write was filling
    const path = (/'([^']+)'/.exec(text)?.[1] ?? (e as { path?: string }).path)
      ?.replace(/\.tmp-\d+-[a-z0-9]+$/, "");
    return `Cannot write ${path ? `"${path}"` : "the output"}: ${what} (${
      text.split("\n")[0].replace(/:\s*\w+ '[^']*'$/, "")
    }); ${fix}. Finished runs are kept; run the same command again afterwards to resume`;
  }
  return null;
}
