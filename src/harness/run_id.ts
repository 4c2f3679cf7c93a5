/**
 * Run identity (after OpenLTH): the hash of the canonical JSON of the fully resolved run config
 * (built by `identity.ts`) plus a format version. Re-running a suite finds finished runs by id and
 * skips them.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../util/canonical_json.ts";

export { canonicalJson };

/**
 * Bumped when the meaning of a run config or the result format changes. v2: the id hashes the
 * fully resolved config (method and recipe defaults, the resolved training config, module paths as
 * the suite writes them), see `identity.ts`.
 */
export const RUN_FORMAT_VERSION = "prunebench-run-v2";

/**
 * 16-hex-digit id of a resolved config.
 *
 * @example
 * ```ts
 * import { runId } from "./run_id.ts";
 * if (runId({ a: 1, b: 2 }) !== runId({ b: 2, a: 1 })) throw new Error("key order matters");
 * ```
 */
export function runId(config: unknown): string {
  return createHash("sha256").update(RUN_FORMAT_VERSION + "\n" + canonicalJson(config)).digest(
    "hex",
  )
    .slice(0, 16);
}
