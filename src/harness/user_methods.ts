/**
 * Methods from other Deno projects: a suite may list `methodModules`, module specifiers (file
 * paths or URLs) that export `methods: Record<string, MethodSpec>`. The harness validates them
 * like built-in methods and every worker imports them, so a user's method runs in the same
 * pipeline without touching the registry.
 *
 * @module
 */
import type { MethodSpec } from "../methods/types.ts";
import { getMethod, METHODS } from "../methods/registry.ts";
import { ConfigError } from "../util/errors.ts";

/**
 * Resolves a module specifier: URLs stay as they are, paths are relative to `base` (the suite
 * module's URL; default: the working directory).
 */
export function moduleUrl(spec: string, base?: string): string {
  return /^[a-z]+:/i.test(spec) ? spec : new URL(spec, base ?? `file://${Deno.cwd()}/`).href;
}

/** Imports the modules and merges their `methods` exports (later modules win). */
export async function loadMethodModules(
  specs: readonly string[] = [],
  base?: string,
): Promise<Record<string, MethodSpec<object>>> {
  const out: Record<string, MethodSpec<object>> = {};
  for (const s of specs) {
    let mod;
    try {
      mod = await import(moduleUrl(s, base));
    } catch (e) {
      throw new ConfigError([`Cannot load methods from "${s}": ${(e as Error).message}`]);
    }
    if (!mod.methods || typeof mod.methods !== "object") {
      throw new ConfigError([
        `Cannot load methods from "${s}": the module must export "methods", an object of MethodSpec by id`,
      ]);
    }
    for (const [id, spec] of Object.entries(mod.methods as Record<string, MethodSpec<object>>)) {
      if (Object.hasOwn(METHODS, id)) {
        throw new ConfigError([
          `Cannot load method "${id}" from "${s}": a built-in method has that id; choose another`,
        ]);
      }
      out[id] = spec;
    }
  }
  return out;
}

/** A method spec by id, from user modules or the registry. */
export function findMethod(
  id: string,
  user: Record<string, MethodSpec<object>>,
): MethodSpec<object> {
  return Object.hasOwn(user, id) ? user[id] : getMethod(id);
}
