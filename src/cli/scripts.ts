/**
 * The benchmark scripts behind `deno task perf`, `bench:data`, `bench:models` and `validate:*`:
 * `cli.ts <task> …` starts the script with the scopes of `permissions.ts`'s `scriptScopes`, so
 * their permissions are written in the same one place as the commands'.
 *
 * @module
 */
import { join } from "node:path";
import { REPO, SCRIPTS, scriptScopes } from "./permissions.ts";
import { runScoped } from "./rerun.ts";

/** Whether `name` is a benchmark script's task. */
export function isScript(name: string): boolean {
  return Object.hasOwn(SCRIPTS, name);
}

/** `cli.ts <task> …`: runs the script with its scopes; returns its exit code. */
export function scriptMain(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  return runScoped(scriptScopes(name), join(REPO, SCRIPTS[name].path), rest);
}
