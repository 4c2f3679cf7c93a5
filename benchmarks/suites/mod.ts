/**
 * Suite registry: an explicit literal of the built-in suites, plus loading a user suite from a
 * `.ts` module that exports `suite`.
 *
 * @module
 */
import type { SuiteSpec } from "../../src/harness/suite.ts";
import { suite as defaultSuite } from "./default.ts";
import { suite as smoke } from "./smoke.ts";
import { suite as paper } from "./paper.ts";
import { suite as full } from "./full.ts";
import { ConfigError, notFoundMessage } from "../../src/util/errors.ts";

/** Built-in suites by id. */
export const SUITES: Readonly<Record<string, SuiteSpec>> = {
  default: defaultSuite,
  smoke,
  full,
  paper,
};

/** A built-in suite by id, or the `suite` export of a `.ts`/`.js` module path. */
export async function loadSuite(idOrPath: string): Promise<SuiteSpec> {
  if (Object.hasOwn(SUITES, idOrPath)) return SUITES[idOrPath];
  if (/\.(ts|js|mjs)$/.test(idOrPath)) {
    const url = new URL(idOrPath, `file://${Deno.cwd()}/`).href;
    let mod;
    try {
      mod = await import(url);
    } catch (e) {
      throw new ConfigError([`Cannot load suite from "${idOrPath}": ${(e as Error).message}`]);
    }
    const s = mod.suite ?? mod.default;
    if (!s) {
      throw new ConfigError([
        `Cannot load suite from "${idOrPath}": the module exports neither "suite" nor a default`,
      ]);
    }
    return s as SuiteSpec;
  }
  throw new ConfigError([
    notFoundMessage("suite", idOrPath, Object.keys(SUITES)) + ", or a path to a .ts module",
  ]);
}
