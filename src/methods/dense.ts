/**
 * The `dense` baseline: plain training, no variables, no gates, no penalty, nothing pruned.
 *
 * @module
 */
import type { Granularity, MethodContext, MethodSpec, PruningMethod } from "./types.ts";

/**
 * A dense (no-op) method instance.
 *
 * @example
 * ```ts
 * import { denseMethod } from "./dense.ts";
 * const m = denseMethod();
 * if (m.penalty() !== null || m.keepMasks().size !== 0) throw new Error();
 * ```
 */
export function denseMethod(): PruningMethod {
  return {
    id: "dense",
    variableGroups: () => [],
    forwardOptions: () => ({}),
    penalty: () => null,
    keepMasks: () => new Map(),
    weightMasks: () => new Map(),
    logs: () => ({}),
    dispose: () => {},
  };
}

/** The `dense` method spec (no hyperparameters). */
export const dense: MethodSpec<Record<string, never>> = {
  id: "dense",
  summary: "Dense baseline: the same training recipe with nothing pruned",
  citation: "—",
  granularities: ["unit", "weight"] as const satisfies readonly Granularity[],
  defaults: {},
  docs: {},
  create(_ctx: MethodContext, _config: Record<string, never>): PruningMethod {
    return denseMethod();
  },
};
