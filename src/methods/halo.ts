/**
 * `halo`: Hierarchical Adaptive Lasso. S. Seto, M. T. Wells, W. Zhang, *HALO: Learning to Prune
 * Neural Networks with Shrinkage*, SDM 2021, arXiv:2008.10183. Reference code:
 * skyler120/sparsity-halo @ 4dfc7ba (docs/methods.md §5, docs/methods/halo.md).
 *
 * One trainable λ_j per penalised parameter element; penalty ξ·Σ_j |θ_j|/λ_j² + ψ·|Σ_j |λ_j| − p|.
 * After training: one-shot global magnitude pruning of the penalised *weights* to each target
 * sparsity, without fine-tuning (one operating point per target).
 *
 * Porting notes:
 * - λ is trained with the weights' optimizer settings (`lambdaOptimizer: "weights"`, default: kind,
 *   lr, momentum / Adam moments and schedule), as the reference's `mnist.py` and `cifar.py` build
 *   λ's optimizer from the weights' arguments. Its weight decay is `lambdaWeightDecay` (default 0,
 *   the reference MNIST default; the reference gives λ the weights' decay, so set it to the run's
 *   value, e.g. 1e-4 for the README's CIFAR run, where decay on λ produces the implicit annealing
 *   ξ/λ²; logged as `lambda_weight_decay`). `lambdaOptimizer: "sgd"` gives λ its own SGD
 *   (`lambdaLr`, `lambdaMomentum`, `lambdaSchedulePower`) instead.
 * - The reference CIFAR script decays the shared lr twice per milestone under `--halo` (weights
 *   end at 1e-4, λ at 1e-5); `lambdaSchedulePower: 2` replicates λ's side (default 1: fixed).
 * - The reference MNIST script builds λ's StepLR on the model optimizer, so the weights' lr drops
 *   ×0.01 per 25k iterations and λ's never decays (not replicated).
 * - The reference's MNIST "LeNet-5" is the classic 6-16-120-84, not LeNet-5-Caffe.
 * - Pruning covers weights only (not biases), over `paramSet`; sparsity is reported over that
 *   set (the paper's) and over all parameters.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { RemovalPlan } from "../models/groups.ts";
import type { ForwardOptions } from "../models/network.ts";
import type {
  MethodContext,
  MethodSpec,
  OperatingPoint,
  PruningMethod,
  StepInfo,
  VariableGroup,
  VariableLayout,
} from "./types.ts";
import { ConfigError } from "../util/errors.ts";
import { globalMagnitudePrune, logLogSlope } from "./_halo_prune.ts";
import { absSum, haloFitSum } from "./_halo_ops.ts";

/** Hyperparameters of `halo`. */
export interface HaloConfig {
  /** ξ: weight of Σ|θ|/λ². */
  xi: number;
  /** ψ: weight of the λ term. */
  psi: number;
  /** p (`--params`): target of Σ|λ|. */
  p: number;
  /** λ term: `l1` ψ·|Σ|λ| − p| (default) or `l2` ψ·(Σ|λ| − p)². */
  lambdaTerm: "l1" | "l2";
  /** `halo` per-weight λ; `ws` one shared λ (ξ‖θ‖₁/λ² + ψλ²); `l1` λ fixed (plain lasso). */
  variant: "halo" | "ws" | "l1";
  /** Initial λ. */
  lambdaInit: number;
  /**
   * λ's optimizer: `weights` = the network weights' settings (the reference) with
   * `lambdaWeightDecay`; `sgd` = its own SGD (`lambdaLr`, `lambdaMomentum`, `lambdaSchedulePower`).
   */
  lambdaOptimizer: "weights" | "sgd";
  /** λ's SGD learning rate with `lambdaOptimizer: "sgd"`. */
  lambdaLr: number;
  /** λ's SGD momentum with `lambdaOptimizer: "sgd"`. */
  lambdaMomentum: number;
  /** Weight decay on λ (reference: the weights' decay; 0 on MNIST by default, 1e-4 on CIFAR). */
  lambdaWeightDecay: number;
  /** With `lambdaOptimizer: "sgd"`: λ's lr follows schedule factor^power (2: CIFAR double decay). */
  lambdaSchedulePower: number;
  /** Penalised parameters: `conv+linear` (MNIST convention) or `conv` (CIFAR: classifier excluded). */
  paramSet: "conv" | "conv+linear";
  /** Target sparsities of the one-shot magnitude pruning. */
  targets: number[];
}

/** Documented defaults of `halo` (docs/methods.md §5). */
export const HALO_DEFAULTS: Readonly<HaloConfig> = {
  xi: 1e-8,
  psi: 1e-8,
  p: 0,
  lambdaTerm: "l1",
  variant: "halo",
  lambdaInit: 1,
  lambdaOptimizer: "weights",
  lambdaLr: 0.1,
  lambdaMomentum: 0.9,
  lambdaWeightDecay: 0,
  lambdaSchedulePower: 1,
  paramSet: "conv+linear",
  targets: [0.5, 0.7, 0.9, 0.95],
};

let uid = 0;

/** The `halo` method instance. */
export class Halo implements PruningMethod {
  /** Method id. */
  readonly id = "halo";
  readonly #ctx: MethodContext;
  readonly #cfg: HaloConfig;
  /** Penalised parameters (weights and biases of the chosen layers). */
  readonly penalised: string[];
  /** Pruned parameters (the weights among them). */
  readonly pruned: string[];
  readonly #lambdas = new Map<string, tf.Variable>();
  #pointLogs: Record<string, number> = {};

  /** Creates λ for the penalised parameters. */
  constructor(ctx: MethodContext, config: HaloConfig) {
    const p: string[] = [];
    if (!(config.xi >= 0 && config.psi >= 0)) p.push("xi and psi must be ≥ 0");
    if (!["halo", "ws", "l1"].includes(config.variant)) {
      p.push(`variant "${config.variant}" must be "halo", "ws" or "l1"`);
    }
    if (!["l1", "l2"].includes(config.lambdaTerm)) {
      p.push(`lambdaTerm "${config.lambdaTerm}" must be "l1" or "l2"`);
    }
    if (!["conv", "conv+linear"].includes(config.paramSet)) {
      p.push(`paramSet "${config.paramSet}" must be "conv" or "conv+linear"`);
    }
    if (config.lambdaInit === 0) p.push("lambdaInit must be non-zero");
    if (!["weights", "sgd"].includes(config.lambdaOptimizer)) {
      p.push(`lambdaOptimizer "${config.lambdaOptimizer}" must be "weights" or "sgd"`);
    }
    if (!(config.lambdaWeightDecay >= 0)) p.push("lambdaWeightDecay must be ≥ 0");
    for (const t of config.targets) {
      if (!(t >= 0 && t < 1)) p.push(`target sparsity ${t} must be in [0, 1)`);
    }
    const layers = ctx.net.layers.filter((l) =>
      config.paramSet === "conv+linear" || l.type === "conv2d"
    );
    this.penalised = layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]));
    this.pruned = layers.map((l) => l.weight);
    if (!this.penalised.length) {
      p.push(`network "${ctx.net.arch.id}" has no parameters in set "${config.paramSet}"`);
    }
    if (p.length) throw new ConfigError(p, "halo configuration");
    this.#ctx = ctx;
    this.#cfg = config;
    if (config.variant === "halo") {
      for (const name of this.penalised) {
        const shape = ctx.net.params.get(name)!.shape;
        this.#lambdas.set(
          `lambda.${name}`,
          tf.variable(tf.fill(shape, config.lambdaInit), true, `halo.lambda.${name}#${uid++}`),
        );
      }
    } else if (config.variant === "ws") {
      this.#lambdas.set(
        "lambda",
        tf.variable(tf.scalar(config.lambdaInit), true, `halo.lambda#${uid++}`),
      );
    }
  }

  /** λ of a parameter (the shared λ for `ws`), or undefined for `l1`. */
  lambda(param: string): tf.Variable | undefined {
    return this.#lambdas.get(`lambda.${param}`) ?? this.#lambdas.get("lambda");
  }

  /** λ with the weights' optimizer settings and `lambdaWeightDecay` (the reference), or own SGD. */
  variableGroups(): VariableGroup[] {
    if (!this.#lambdas.size) return [];
    const c = this.#cfg;
    const layout = new Map<string, VariableLayout>();
    for (const key of this.#lambdas.keys()) {
      if (key !== "lambda") layout.set(key, { param: key.slice("lambda.".length) });
    }
    const group = { name: "halo_lambda", variables: this.#lambdas, layout };
    if (c.lambdaOptimizer === "weights") {
      return [{ ...group, optimizer: null, weightDecay: c.lambdaWeightDecay }];
    }
    return [{
      ...group,
      optimizer: {
        kind: "sgd",
        lr: c.lambdaLr,
        momentum: c.lambdaMomentum,
        weightDecay: c.lambdaWeightDecay,
        schedulePower: c.lambdaSchedulePower,
      },
    }];
  }

  /** HALO trains the dense network: no gates or transforms. */
  forwardOptions(_mode: "train" | "eval"): Pick<ForwardOptions, "gate" | "param"> {
    return {};
  }

  /** ξ·Σ|θ|/λ² + ψ·|Σ|λ| − p| (per variant). */
  penalty(): tf.Scalar {
    const { xi, psi, p, lambdaTerm, variant, lambdaInit } = this.#cfg;
    const params = this.penalised.map((n) => this.#ctx.net.params.get(n)!);
    if (variant !== "halo") {
      const l1 = tf.addN(params.map((t) => tf.sum(tf.abs(t))));
      const lam = variant === "ws" ? this.#lambdas.get("lambda")! : tf.scalar(lambdaInit);
      const fit = tf.div(tf.mul(l1, xi), tf.square(lam));
      return (variant === "ws" ? tf.add(fit, tf.mul(tf.square(lam), psi)) : fit) as tf.Scalar;
    }
    const fit = tf.addN(
      params.map((t, i) => haloFitSum(t, this.#lambdas.get(`lambda.${this.penalised[i]}`)!)),
    );
    const sumLam = tf.addN([...this.#lambdas.values()].map((l) => absSum(l)));
    const dev = tf.sub(sumLam, p);
    const lamTerm = lambdaTerm === "l2" ? tf.square(dev) : tf.abs(dev);
    return tf.add(tf.mul(fit, xi), tf.mul(lamTerm, psi)) as tf.Scalar;
  }

  /** At the last epoch, computes the operating points so their sparsities reach the logs. */
  onEpochEnd(info: StepInfo): void {
    this.#pointLogs = {};
    if (info.epoch === info.epochs - 1) this.operatingPoints();
  }

  /** Keeps λ aligned if units are removed (HALO itself never removes any). */
  onUnitsRemoved(plan: RemovalPlan): void {
    for (const op of plan.ops) {
      const key = `lambda.${op.param}`;
      const old = this.#lambdas.get(key);
      if (!old) continue;
      const next = tf.tidy(() => tf.gather(old, tf.tensor1d(op.indices, "int32"), op.axis));
      this.#lambdas.set(key, tf.variable(next, true, `halo.lambda.${op.param}#${uid++}`));
      next.dispose();
      old.dispose();
    }
  }

  /** HALO is unstructured: no unit masks. */
  keepMasks(): Map<string, Uint8Array> {
    return new Map();
  }

  /**
   * One point per target: global magnitude pruning of the penalised weights, no fine-tuning
   * (recomputed at every call, e.g. after the EMA values are loaded). Sparsities reach the logs as `sparsity_paper@<t>` (over the pruned weight set) and
   * `sparsity_all@<t>` (over all trainable parameters).
   */
  operatingPoints(): OperatingPoint[] {
    const net = this.#ctx.net;
    const values = this.pruned.map((n) => net.params.get(n)!.dataSync() as Float32Array);
    const results = globalMagnitudePrune({ names: this.pruned, values }, this.#cfg.targets);
    let otherZeros = 0, all = 0;
    for (const [name, v] of net.params) {
      all += v.size;
      if (this.pruned.includes(name)) continue;
      for (const x of v.dataSync()) if (x === 0) otherZeros++;
    }
    return this.#cfg.targets.map((t, i) => {
      const r = results[i];
      this.#pointLogs[`sparsity_paper@${t}`] = r.zeros / r.total;
      this.#pointLogs[`sparsity_all@${t}`] = (r.zeros + otherZeros) / all;
      return {
        label: `sparsity=${t}`,
        target: t,
        keep: new Map(),
        weights: r.masks,
        fineTuneEpochs: 0,
      };
    });
  }

  /** Mean λ, the log-log slope of |λ| on |θ|, λ's weight decay, and point sparsities. */
  logs(): Record<string, number> {
    const out: Record<string, number> = {
      lambda_weight_decay: this.#cfg.lambdaWeightDecay,
      ...this.#pointLogs,
    };
    if (this.#cfg.variant === "ws") out.lambda_mean = this.#lambdas.get("lambda")!.dataSync()[0];
    if (this.#cfg.variant !== "halo") return out;
    const th: number[] = [], la: number[] = [];
    for (const n of this.pruned) {
      for (const x of this.#ctx.net.params.get(n)!.dataSync()) th.push(x);
      for (const x of this.#lambdas.get(`lambda.${n}`)!.dataSync()) la.push(x);
    }
    out.lambda_mean = la.reduce((a, b) => a + Math.abs(b), 0) / la.length;
    out.lambda_loglog_slope = logLogSlope(th, la);
    return out;
  }

  /** Releases λ. */
  dispose(): void {
    for (const v of this.#lambdas.values()) v.dispose();
    this.#lambdas.clear();
  }
}

/** Registry entry of `halo`. */
export const HALO: MethodSpec<HaloConfig> = {
  id: "halo",
  summary:
    "Hierarchical adaptive lasso (per-weight trainable penalty scales), then one-shot global magnitude pruning",
  citation:
    "S. Seto, M. T. Wells, W. Zhang, HALO: Learning to Prune Neural Networks with Shrinkage, SDM 2021, arXiv:2008.10183",
  granularities: ["weight"],
  defaults: HALO_DEFAULTS,
  docs: {
    xi: "ξ, weight of Σ|θ|/λ² (1e-8, reference README).",
    psi: "ψ, weight of the λ term (1e-8, reference README).",
    p: "p (--params): target of Σ|λ| (0).",
    lambdaTerm: 'λ term: "l1" ψ·|Σ|λ|−p| (reference default) or "l2" ψ·(Σ|λ|−p)².',
    variant: '"halo" per-weight λ, "ws" one shared λ, "l1" fixed λ (plain lasso).',
    lambdaInit: "Initial λ (1).",
    lambdaOptimizer:
      '"weights" (the reference: λ uses the weights\' optimizer, lr and schedule) or "sgd" (own SGD).',
    lambdaLr: 'λ\'s SGD learning rate with lambdaOptimizer "sgd" (0.1).',
    lambdaMomentum: 'λ\'s SGD momentum with lambdaOptimizer "sgd" (0.9).',
    lambdaWeightDecay:
      "Weight decay on λ (0 = reference MNIST; the reference uses the weights' decay, 1e-4 on CIFAR; 0 gives λ* = (2ξ|θ|/ψ)^(1/3)).",
    lambdaSchedulePower:
      'With lambdaOptimizer "sgd": λ\'s lr follows the schedule factor to this power (1; 2 = CIFAR double decay).',
    paramSet:
      '"conv+linear" (MNIST: conv and linear weights and biases) or "conv" (CIFAR: classifier excluded).',
    targets:
      "Target sparsities of one-shot global magnitude pruning, no fine-tuning ([0.5, 0.7, 0.9, 0.95]).",
  },
  ranges: {
    xi: { min: 0 },
    psi: { min: 0 },
    lambdaTerm: { oneOf: ["l1", "l2"] },
    variant: { oneOf: ["halo", "ws", "l1"] },
    paramSet: { oneOf: ["conv", "conv+linear"] },
    targets: { min: 0, below: 1 },
  },
  create: (ctx, config) => new Halo(ctx, config),
};
