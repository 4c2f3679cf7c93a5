/**
 * The optimizer and EMA updates as SIMD kernel specs: the same float32 operations, in the same
 * order, as the JS loops of `../fused.ts` (and hence the unfused tfjs ops), so all three agree bit
 * for bit, except that results below 2⁻¹²⁶ (subnormal) are flushed to zero, as TensorFlow's CPU
 * kernels do: parameters and Adam moments that decay geometrically (weights behind closed L0 gates,
 * v after its gradient stops) otherwise sit in the subnormal range for thousands of steps, where
 * x86 arithmetic is ~100× slower (measured: an l0-hc LeNet-300-100 epoch grew from 2.4 s to 4–10 s
 * with 40,000 subnormal weights).
 *
 * @module
 */
import { E, type Expr, type KernelSpec } from "./kernel_gen.ts";
import { specNamed } from "./mod.ts";

/** Which optimizer update a spec implements. */
export interface UpdateVariant {
  /** `adam`, `sgd` (with momentum) or `plain`. */
  kind: "adam" | "sgd" | "plain";
  /** Weight decay: none, added to the gradient (`l2`) or applied to the parameter first. */
  decay: "none" | "l2" | "decoupled";
  /** Optimizer state exists (false at the first step: m and v start from zero). */
  hasState: boolean;
  /** Nesterov momentum (SGD). */
  nesterov: boolean;
}

/** Float32 parameters of the optimizer spec, in order. */
export const UPDATE_PARAMS = ["wd", "decay", "b1", "omb1", "b2", "omb2", "sqbc2", "eps", "lr"];

/** Kernel spec of an optimizer update: inputs p, g (and m, v), outputs po (and mo, vo). */
export function optimizerSpec(v: UpdateVariant): KernelSpec {
  const name = `opt_${v.kind}_${v.decay}_${v.hasState ? "s" : "0"}_${v.nesterov ? "n" : "_"}`;
  return specNamed(name, () => buildOptimizerSpec(name, v));
}

function buildOptimizerSpec(name: string, v: UpdateVariant): KernelSpec {
  const P = E.param, L = E.let;
  const inputs: [string, "full"][] = [["p", "full"], ["g", "full"]];
  const lets: [string, Expr][] = [
    ["g0", v.decay === "l2" ? E.add(E.in("g"), E.mul(E.in("p"), P("wd"))) : E.in("g")],
    ["p0", v.decay === "decoupled" ? E.mul(E.in("p"), P("decay")) : E.in("p")],
  ];
  const outputs: [string, "full", Expr][] = [];
  if (v.kind === "adam") {
    if (v.hasState) inputs.push(["m", "full"], ["v", "full"]);
    const g2 = E.mul(L("g0"), L("g0"));
    lets.push(
      [
        "m1",
        v.hasState
          ? E.add(E.mul(E.in("m"), P("b1")), E.mul(L("g0"), P("omb1")))
          : E.mul(L("g0"), P("omb1")),
      ],
      [
        "v1",
        v.hasState ? E.add(E.mul(E.in("v"), P("b2")), E.mul(g2, P("omb2"))) : E.mul(g2, P("omb2")),
      ],
      ["den", E.add(E.div(E.sqrt(L("v1")), P("sqbc2")), P("eps"))],
    );
    outputs.push(
      ["po", "full", E.ftz(E.sub(L("p0"), E.mul(E.div(L("m1"), L("den")), P("lr"))))],
      ["mo", "full", E.ftz(L("m1"))],
      ["vo", "full", E.ftz(L("v1"))],
    );
  } else if (v.kind === "sgd") {
    if (v.hasState) inputs.push(["m", "full"]);
    lets.push(["b", v.hasState ? E.add(E.mul(E.in("m"), P("b1")), L("g0")) : L("g0")]);
    const d = v.nesterov ? E.add(L("g0"), E.mul(L("b"), P("b1"))) : L("b");
    outputs.push(["po", "full", E.ftz(E.sub(L("p0"), E.mul(d, P("lr"))))], [
      "mo",
      "full",
      E.ftz(L("b")),
    ]);
  } else {
    outputs.push(["po", "full", E.ftz(E.sub(L("p0"), E.mul(L("g0"), P("lr"))))]);
  }
  return { name, inputs, params: UPDATE_PARAMS, lets, outputs };
}

/** EMA: out = s·β + v·(1 − β), or v·(1 − β) without a previous average. */
export function emaSpec(hasAverage: boolean): KernelSpec {
  const name = hasAverage ? "ema_s" : "ema_0";
  return specNamed(name, () => buildEmaSpec(name, hasAverage));
}

function buildEmaSpec(name: string, hasAverage: boolean): KernelSpec {
  const scaled = E.mul(E.in("v"), E.param("omd"));
  return {
    name,
    inputs: hasAverage ? [["s", "full"], ["v", "full"]] : [["v", "full"]],
    params: ["d", "omd"],
    lets: [],
    outputs: [[
      "out",
      "full",
      E.ftz(hasAverage ? E.add(E.mul(E.in("s"), E.param("d")), scaled) : scaled),
    ]],
  };
}
