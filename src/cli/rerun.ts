/**
 * Re-running with computed permissions: the deno tasks start `cli.ts` with read access, the
 * environment and the right to run the Deno executable only; each command computes its scopes
 * (`permissions.ts`) and {@linkcode ensureScopes} re-runs `cli.ts` with exactly those, or
 * {@linkcode runScoped} starts a benchmark script with them.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { ConfigError } from "../util/errors.ts";
import { denoCommand, missing, permissionFlags, type Scopes } from "./permissions.ts";

/** Absolute path of `cli.ts`. */
export const CLI: string = fromFileUrl(new URL("../../cli.ts", import.meta.url));
/** Set in the environment of a re-run with computed permissions (never re-run twice). */
const SCOPED_ENV = "PRUNEBENCH_SCOPED";

const granted = (d: Deno.PermissionDescriptor) => Deno.permissions.querySync(d).state === "granted";

/**
 * Runs `script args` with exactly the permissions of `scopes`; returns its exit code (128 + the
 * signal when killed). SIGINT and SIGTERM are forwarded, so a sweep stops cleanly.
 */
export async function runScoped(scopes: Scopes, script: string, args: string[]): Promise<number> {
  const [cmd, ...rest] = denoCommand(scopes, script, args);
  const child = new Deno.Command(cmd, {
    args: rest,
    env: { [SCOPED_ENV]: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const forward = (sig: Deno.Signal) => () => {
    try {
      child.kill(sig);
    } catch { /* exited */ }
  };
  const onInt = forward("SIGINT"), onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  try {
    const status = await child.status;
    return status.signal ? 128 + (status.signal === "SIGINT" ? 2 : 15) : status.code;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
}

/**
 * Continues (null) when this process has every permission of `scopes`; otherwise re-runs
 * `cli.ts argv` with exactly those permissions and returns its exit code.
 */
export async function ensureScopes(scopes: Scopes, argv: string[]): Promise<number | null> {
  const lacking = missing(scopes);
  if (!lacking.length) return null;
  const canRerun = granted({ name: "env", variable: SCOPED_ENV }) && !Deno.env.get(SCOPED_ENV) &&
    granted({ name: "run", command: Deno.execPath() });
  if (!canRerun) {
    throw new ConfigError([
      `This command needs permissions this process lacks (${lacking.join("; ")}). Run it ` +
      `through its deno task (e.g. deno task ${argv[0]}), or as: deno run ${
        permissionFlags(scopes).join(" ")
      } cli.ts ${argv.join(" ")}`,
    ], "permissions");
  }
  return await runScoped(scopes, CLI, argv);
}
