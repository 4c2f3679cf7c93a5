/**
 * Operating points after training: each point's masks become per-parameter 0/1 tensors applied as
 * a parameter transform on top of the method's eval gates; points with `fineTuneEpochs > 0` are
 * fine-tuned on a clone of the network with the masks fixed (masked weights re-zeroed after each
 * step) before evaluation on the test split.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { ForwardOptions, Network } from "../models/network.ts";
import type { OperatingPoint, PruningMethod } from "../methods/types.ts";
import type { Dataset } from "../data/mod.ts";
import type { ResolvedTrainConfig } from "./config.ts";
import { evaluate } from "./step.ts";
import type { PointResult } from "./types.ts";

/** Runs `fn` inside `tf.tidy` when it returns no tensors (method calls that may create some). */
export function tidyCall<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

/**
 * Expands keep masks (per group: units' producer and consumer slices) and weight masks into one
 * 0/1 mask per affected parameter, as kept tensors the caller disposes.
 */
export function parameterMasks(
  net: Network,
  point: Pick<OperatingPoint, "keep" | "weights">,
): Map<string, tf.Tensor> {
  const masks = new Map<string, Float32Array>();
  const get = (name: string) => {
    let m = masks.get(name);
    if (!m) masks.set(name, m = new Float32Array(net.params.get(name)!.size).fill(1));
    return m;
  };
  for (const [id, keep] of point.keep) {
    const g = net.group(id);
    if (keep.length !== g.size) {
      throw new RangeError(
        `Cannot apply the keep mask of group "${id}": it has ${keep.length} entries, expected ${g.size}`,
      );
    }
    for (const s of [...g.producers, ...g.consumers]) {
      const shape = net.params.get(s.param)!.shape;
      const stride = shape.slice(s.axis + 1).reduce((a, b) => a * b, 1), len = shape[s.axis];
      const m = get(s.param);
      for (let i = 0; i < m.length; i++) {
        if (keep[s.labels[Math.floor(i / stride) % len]] === 0) m[i] = 0;
      }
    }
  }
  for (const [name, w] of point.weights) {
    const v = net.params.get(name);
    if (!v || v.size !== w.length) {
      throw new RangeError(
        `Cannot apply the weight mask of "${name}": ${
          v ? `it has ${w.length} entries, expected ${v.size}` : "no such parameter"
        }`,
      );
    }
    const m = get(name);
    for (let i = 0; i < m.length; i++) if (w[i] === 0) m[i] = 0;
  }
  return new Map([...masks].map(([k, m]) => [k, tf.tensor(m, net.params.get(k)!.shape)]));
}

/** The method's eval gates/transforms with the masks multiplied into the parameters. */
export function maskedOptions(
  method: PruningMethod,
  masks: ReadonlyMap<string, tf.Tensor>,
  batchSize?: number,
): Pick<ForwardOptions, "gate" | "param"> {
  const base = method.forwardOptions("eval", batchSize);
  return {
    gate: base.gate,
    param: (name, value) => {
      const v = base.param ? base.param(name, value) : value;
      const m = masks.get(name);
      return m ? tf.mul(v, m) : v;
    },
  };
}

/** Multiplies the masked parameters of `net` by their masks in place. */
export function zeroMasked(net: Network, masks: ReadonlyMap<string, tf.Tensor>): void {
  for (const [name, m] of masks) {
    const v = net.params.get(name)!;
    tf.tidy(() => v.assign(tf.mul(v, m)));
  }
}

/**
 * A stand-in method for fine-tuning: the base method's eval gates with fixed masks, no variables,
 * no penalty, masked weights re-zeroed after each step.
 */
export function fixedMaskMethod(
  base: PruningMethod,
  net: Network,
  point: OperatingPoint,
  masks: ReadonlyMap<string, tf.Tensor>,
): PruningMethod {
  return {
    id: `${base.id}+finetune`,
    variableGroups: () => [],
    forwardOptions: (_mode, batchSize) => maskedOptions(base, masks, batchSize),
    penalty: () => null,
    afterStep: () => zeroMasked(net, masks),
    keepMasks: () => point.keep,
    weightMasks: () => point.weights,
    logs: () => ({}),
    dispose: () => {},
  };
}

/** Fine-tunes `net` (a clone) with `method` for `epochs` epochs. */
export type FineTune = (net: Network, method: PruningMethod, epochs: number) => Promise<void>;

/**
 * Evaluates every operating point of `method` (or the single point `final` from its masks) on
 * the test split, fine-tuning clones where asked.
 */
export async function evaluatePoints(
  net: Network,
  method: PruningMethod,
  dataset: Dataset,
  cfg: ResolvedTrainConfig,
  fineTune: FineTune,
): Promise<PointResult[]> {
  const points: OperatingPoint[] = tidyCall(() => method.operatingPoints?.()) ?? [{
    label: "final",
    keep: tidyCall(() => method.keepMasks()),
    weights: tidyCall(() => method.weightMasks?.()) ?? new Map(),
  }];
  const out: PointResult[] = [];
  for (const p of points) {
    const epochs = p.fineTuneEpochs ?? 0;
    const target = epochs > 0 ? net.clone() : net;
    const masks = parameterMasks(target, p);
    try {
      if (epochs > 0) {
        zeroMasked(target, masks);
        await fineTune(target, fixedMaskMethod(method, target, p, masks), epochs);
      }
      const opts = { batchSize: cfg.evalBatchSize, normalize: cfg.normalize };
      const r = await evaluate(
        target,
        (b) => maskedOptions(method, masks, b),
        dataset.test,
        dataset,
        opts,
      );
      out.push({
        label: p.label,
        target: p.target,
        ...r,
        keep: p.keep,
        weights: p.weights,
        fineTuneEpochs: epochs,
        network: target,
      });
    } catch (e) {
      for (const n of [target, ...out.map((r) => r.network)]) if (n !== net) n.dispose();
      throw e;
    } finally {
      tf.dispose([...masks.values()]);
    }
  }
  return out;
}
