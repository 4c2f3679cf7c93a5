/**
 * Model options of a training recipe that change how an architecture is built but not its
 * structure: the weight initialisation and whether conv layers have a bias. They exist to match
 * reference code (AMLab-Amsterdam/L0_regularization: `kaiming_normal` weights, conv biases that
 * never train and stay 0), and are applied to the {@linkcode ArchSpec} itself, so compaction and
 * export of the network see the same architecture.
 *
 * @module
 */
import type { ArchSpec, LayerSpec } from "./spec.ts";

/** Weight initialisation of an architecture (see {@linkcode ArchSpec.init}). */
export type WeightInit = NonNullable<ArchSpec["init"]>;

/** How to build an architecture's parameters (a recipe's `model`). */
export interface ModelOptions {
  /** Weight initialisation (see {@linkcode ArchSpec.init}). @default "default" */
  init?: WeightInit;
  /**
   * Conv layers have a trainable bias. `false` removes conv biases: the L0 reference's `L0Conv2d`
   * leaves its bias out of the training forward pass, so it stays at its initial 0. @default true
   */
  convBias?: boolean;
}

const INITS: readonly WeightInit[] = ["default", "he-normal", "torch-default"];

/** Problems of a {@linkcode ModelOptions} value, as messages naming the field and the fix. */
export function modelOptionProblems(o: ModelOptions): string[] {
  const p: string[] = [];
  if (o.init !== undefined && !INITS.includes(o.init)) {
    p.push(`model.init must be one of ${INITS.map((x) => `"${x}"`).join(", ")}: got "${o.init}"`);
  }
  if (o.convBias !== undefined && typeof o.convBias !== "boolean") {
    p.push(`model.convBias must be true or false: got ${JSON.stringify(o.convBias)}`);
  }
  return p;
}

/**
 * The architecture with `options` applied: `init` set on the spec, conv biases removed when
 * `convBias` is false (in residual blocks too). Throws a RangeError on an invalid option.
 *
 * @example He init and bias-free convolutions for LeNet-5-Caffe
 * ```ts
 * import { withModelOptions } from "./options.ts";
 * import { getArch } from "./registry.ts";
 * const a = withModelOptions(getArch("lenet-5-caffe"), { init: "he-normal", convBias: false });
 * const conv1 = a.layers[0];
 * if (a.init !== "he-normal" || conv1.type !== "conv2d" || conv1.bias !== false) throw new Error();
 * ```
 */
export function withModelOptions(spec: ArchSpec, options: ModelOptions): ArchSpec {
  const problems = modelOptionProblems(options);
  if (problems.length) {
    throw new RangeError(`Cannot build architecture "${spec.id}": ${problems.join("; ")}`);
  }
  const map = (layers: LayerSpec[]): LayerSpec[] =>
    layers.map((l) => {
      if (l.type === "conv2d" && options.convBias === false) return { ...l, bias: false };
      if (l.type === "residual") return { ...l, body: map(l.body), shortcut: map(l.shortcut) };
      return l;
    });
  const out: ArchSpec = { ...spec, layers: map(spec.layers) };
  if (options.init !== undefined) out.init = options.init;
  return out;
}
