/**
 * End-of-epoch bookkeeping: evaluation on the test split and kept units, read with the EMA
 * values swapped in when the run keeps an average (then swapped back).
 *
 * @module
 */
import type { Network } from "../models/network.ts";
import type { PruningMethod } from "../methods/types.ts";
import type { Dataset } from "../data/mod.ts";
import type { ResolvedTrainConfig } from "./config.ts";
import type { Ema } from "./ema.ts";
import { allVariables, type EvalResult, evaluate } from "./step.ts";
import { tidyCall } from "./points.ts";

/** Test metrics (when `evaluateNow`) and kept units of the model as it would be evaluated. */
export async function epochEval(
  net: Network,
  method: PruningMethod,
  dataset: Dataset,
  cfg: ResolvedTrainConfig,
  ema: Ema | null,
  evaluateNow: boolean,
): Promise<{ test: EvalResult | null; units: UnitsKept }> {
  const restore = ema?.swapIn(allVariables(net, method.variableGroups()));
  try {
    const opts = { batchSize: cfg.evalBatchSize, normalize: cfg.normalize };
    const eval_ = (b: number) => method.forwardOptions("eval", b);
    const test = evaluateNow ? await evaluate(net, eval_, dataset.test, dataset, opts) : null;
    return { test, units: unitsKept(net, tidyCall(() => method.keepMasks())) };
  } finally {
    restore?.();
  }
}

/** Kept units per group and in total, kept fraction and current widths. */
export interface UnitsKept {
  /** Kept units per group id (absent mask = every current unit). */
  unitsKept: Record<string, number>;
  /** Total kept units. */
  unitsKeptTotal: number;
  /** Kept units / initial units over every group. */
  keptFraction: number;
  /** Current width per group id. */
  widths: Record<string, number>;
}

/** Counts kept units of every gate group of `net` under `keep`. */
export function unitsKept(net: Network, keep: ReadonlyMap<string, Uint8Array>): UnitsKept {
  const unitsKept: Record<string, number> = {}, widths: Record<string, number> = {};
  let total = 0, initial = 0;
  for (const g of net.groups) {
    const m = keep.get(g.id);
    const k = m ? m.reduce((a, b) => a + (b !== 0 ? 1 : 0), 0) : g.size;
    unitsKept[g.id] = k;
    widths[g.id] = g.size;
    total += k;
    initial += g.initialSize;
  }
  return { unitsKept, unitsKeptTotal: total, keptFraction: initial ? total / initial : 1, widths };
}
