/**
 * Fused elementwise kernels described as expressions and compiled to WebAssembly SIMD.
 *
 * A {@linkcode KernelSpec} names input arrays, float32 parameters, intermediate values and
 * outputs; {@linkcode compileKernel} emits one wasm function that walks a `rows × cols` grid once,
 * four floats per instruction (`f32x4`), with a scalar loop for the last `cols mod 4` elements of
 * each row. Inputs are `full` (rows·cols values), `row` (one value per row, broadcast along it) or
 * `col` (one value per column). Outputs are `full`, `rowSum` (Σ over each row) or `colSum` (Σ over
 * each column, accumulated into a zeroed output). Every operation is an IEEE float32 operation
 * (wasm's `f32`/`f32x4` arithmetic rounds each result to nearest), so an elementwise output equals,
 * bit for bit, the same expression evaluated with `Math.fround` after every step, or the same
 * sequence of tfjs float32 ops. Sums are accumulated in four lanes and then added
 * ((l0 + l1) + l2) + l3 + tail, an order that differs from tfjs' reductions (float32 rounding).
 *
 * The function's parameters are: one byte offset per input, one per output (spec order), `rows`,
 * `cols`, then the float32 parameters.
 *
 * @module
 */
import { Code, encodeModule, F32, OP, SIMD, V128 } from "./encode.ts";
import { Layout } from "./layout.ts";

/** An expression over one element. */
export type Expr =
  | { k: "in"; name: string }
  | { k: "param"; name: string }
  | { k: "let"; name: string }
  | { k: "bin"; op: "add" | "sub" | "mul" | "div"; a: Expr; b: Expr }
  | { k: "un"; op: "sqrt" | "neg" | "abs"; a: Expr }
  | { k: "cmp"; op: "relu" | "step" | "ftz"; a: Expr }
  | { k: "sel"; op: "pmin" | "pmax"; a: Expr; b: Expr };

/** How an input is indexed on the grid. */
export type InputKind = "full" | "row" | "col";
/** How an output is written. */
export type OutputKind = "full" | "rowSum" | "colSum";

/** A fused kernel. */
export interface KernelSpec {
  /** Unique name (the cache key: specs with equal names must be equal). */
  name: string;
  /** Input arrays, in parameter order. */
  inputs: readonly (readonly [string, InputKind])[];
  /** Float32 scalar parameters, in parameter order. */
  params: readonly string[];
  /** Intermediate values, evaluated in order for every element. */
  lets: readonly (readonly [string, Expr])[];
  /** Outputs, in parameter order. */
  outputs: readonly (readonly [string, OutputKind, Expr])[];
}

/** Expression constructors. */
export const E = {
  in: (name: string): Expr => ({ k: "in", name }),
  param: (name: string): Expr => ({ k: "param", name }),
  let: (name: string): Expr => ({ k: "let", name }),
  add: (a: Expr, b: Expr): Expr => ({ k: "bin", op: "add", a, b }),
  sub: (a: Expr, b: Expr): Expr => ({ k: "bin", op: "sub", a, b }),
  mul: (a: Expr, b: Expr): Expr => ({ k: "bin", op: "mul", a, b }),
  div: (a: Expr, b: Expr): Expr => ({ k: "bin", op: "div", a, b }),
  sqrt: (a: Expr): Expr => ({ k: "un", op: "sqrt", a }),
  neg: (a: Expr): Expr => ({ k: "un", op: "neg", a }),
  abs: (a: Expr): Expr => ({ k: "un", op: "abs", a }),
  /** a < 0 ? 0 : a (tfjs `relu`; NaN stays NaN). */
  relu: (a: Expr): Expr => ({ k: "cmp", op: "relu", a }),
  /** a > 0 ? 1 : 0 (tfjs `step`, the gradient of `relu`; NaN gives 0, tfjs NaN). */
  step: (a: Expr): Expr => ({ k: "cmp", op: "step", a }),
  /**
   * Flush to zero: |a| < 2⁻¹²⁶ (a subnormal float32) ? 0 : a; NaN stays NaN. Arithmetic on
   * subnormals is ~100× slower on x86 (wasm has no flush-to-zero mode), and weights and Adam
   * moments that decay geometrically spend thousands of steps there.
   */
  ftz: (a: Expr): Expr => ({ k: "cmp", op: "ftz", a }),
  /** b < a ? b : a (wasm `pmin`; NaN a stays NaN). */
  pmin: (a: Expr, b: Expr): Expr => ({ k: "sel", op: "pmin", a, b }),
  /** a < b ? b : a (wasm `pmax`; NaN a stays NaN). */
  pmax: (a: Expr, b: Expr): Expr => ({ k: "sel", op: "pmax", a, b }),
};

const V_OPS = {
  add: SIMD.f32x4Add,
  sub: SIMD.f32x4Sub,
  mul: SIMD.f32x4Mul,
  div: SIMD.f32x4Div,
  sqrt: SIMD.f32x4Sqrt,
  neg: SIMD.f32x4Neg,
  abs: SIMD.f32x4Abs,
};
const S_OPS = {
  add: OP.f32Add,
  sub: OP.f32Sub,
  mul: OP.f32Mul,
  div: OP.f32Div,
  sqrt: OP.f32Sqrt,
  neg: OP.f32Neg,
  abs: OP.f32Abs,
};

type Mode = "v" | "s";

function inputKind(spec: KernelSpec, name: string): InputKind {
  const found = spec.inputs.find(([n]) => n === name);
  if (!found) throw new Error(`Kernel "${spec.name}" reads unknown input "${name}"`);
  return found[1];
}

/** Pushes the address of element c of a full (row-major) or column array. */
function address(code: Code, L: Layout, name: string, full: boolean): void {
  code.get(L.ptr.get(name)!);
  if (full) code.get(L.rowBase).op(OP.i32Add);
  code.get(L.c).op(OP.i32Add);
}

function emitExpr(code: Code, L: Layout, e: Expr, mode: Mode): void {
  const v = mode === "v";
  switch (e.k) {
    case "in": {
      const kind = inputKind(L.spec, e.name);
      if (kind === "row") code.get((v ? L.vRow : L.sRow).get(e.name)!);
      else {
        address(code, L, e.name, kind === "full");
        if (v) code.v128Load();
        else code.f32Load();
      }
      return;
    }
    case "param":
    case "let": {
      const map = e.k === "param" ? (v ? L.vParam : L.sParam) : (v ? L.vLet : L.sLet);
      const i = map.get(e.name);
      if (i === undefined) {
        throw new Error(`Kernel "${L.spec.name}" uses unknown ${e.k} "${e.name}"`);
      }
      code.get(i);
      return;
    }
    case "bin":
      emitExpr(code, L, e.a, mode);
      emitExpr(code, L, e.b, mode);
      if (v) code.simd(V_OPS[e.op]);
      else code.op(S_OPS[e.op]);
      return;
    case "un":
      emitExpr(code, L, e.a, mode);
      if (v) code.simd(V_OPS[e.op]);
      else code.op(S_OPS[e.op]);
      return;
    case "cmp":
      emitCompare(code, L, e.op, e.a, mode);
      return;
    case "sel":
      emitSelect(code, L, e.op, e.a, e.b, mode);
      return;
  }
}

/** pmin and pmax; in scalar mode both operands are kept in scratch locals for `select`. */
function emitSelect(
  code: Code,
  L: Layout,
  op: "pmin" | "pmax",
  a: Expr,
  b: Expr,
  mode: Mode,
): void {
  if (mode === "v") {
    emitExpr(code, L, a, mode);
    emitExpr(code, L, b, mode);
    code.simd(op === "pmin" ? SIMD.f32x4Pmin : SIMD.f32x4Pmax);
    return;
  }
  const ta = L.scratch(F32), tb = L.scratch(F32);
  emitExpr(code, L, a, mode);
  code.set(ta);
  emitExpr(code, L, b, mode);
  code.set(tb);
  // pmin: b < a ? b : a; pmax: a < b ? b : a. select(x, y, c) = c ? x : y.
  code.get(tb).get(ta);
  if (op === "pmin") code.get(tb).get(ta);
  else code.get(ta).get(tb);
  code.op(OP.f32Lt, OP.select);
}

/** Smallest normal float32, 2⁻¹²⁶. */
const FLT_MIN = 1.1754943508222875e-38;

/** relu, step and ftz: the operand is kept in a scratch local, as it is read twice. */
function emitCompare(
  code: Code,
  L: Layout,
  op: "relu" | "step" | "ftz",
  a: Expr,
  mode: Mode,
): void {
  const t = L.scratch(mode === "v" ? V128 : F32);
  emitExpr(code, L, a, mode);
  code.set(t);
  const splat = (x: number) => code.f32(x).simd(SIMD.f32x4Splat);
  if (mode === "v" && op === "relu") {
    code.get(t), splat(0), code.simd(SIMD.f32x4Pmax);
  } else if (mode === "v" && op === "step") {
    code.get(t), splat(0), code.simd(SIMD.f32x4Gt), splat(1), code.simd(SIMD.v128And);
  } else if (mode === "v") {
    // t & ~(|t| < FLT_MIN)
    code.get(t).get(t).simd(SIMD.f32x4Abs), splat(FLT_MIN);
    code.simd(SIMD.f32x4Lt).simd(SIMD.v128AndNot);
  } else if (op === "relu") {
    code.f32(0).get(t).get(t).f32(0).op(OP.f32Lt, OP.select);
  } else if (op === "step") {
    code.get(t).f32(0).op(OP.f32Gt, OP.f32ConvertI32U);
  } else {
    code.f32(0).get(t).get(t).op(OP.f32Abs).f32(FLT_MIN).op(OP.f32Lt, OP.select);
  }
}

/** The body for one element (mode v: four elements). */
function emitElement(code: Code, L: Layout, mode: Mode): void {
  const v = mode === "v";
  for (const [n, e] of L.spec.lets) {
    emitExpr(code, L, e, mode);
    code.set((v ? L.vLet : L.sLet).get(n)!);
  }
  for (const [n, kind, e] of L.spec.outputs) {
    if (kind === "rowSum") {
      const acc = (v ? L.vAcc : L.sAcc).get(n)!;
      code.get(acc);
      emitExpr(code, L, e, mode);
      if (v) code.simd(SIMD.f32x4Add);
      else code.op(OP.f32Add);
      code.set(acc);
      continue;
    }
    address(code, L, n, kind === "full");
    if (kind === "colSum") {
      code.tee(L.tmp).get(L.tmp);
      if (v) code.v128Load();
      else code.f32Load();
      emitExpr(code, L, e, mode);
      if (v) code.simd(SIMD.f32x4Add);
      else code.op(OP.f32Add);
    } else emitExpr(code, L, e, mode);
    if (v) code.v128Store();
    else code.f32Store();
  }
}

/** `while (c < end) { element; c += step }`. */
function emitLoop(code: Code, L: Layout, mode: Mode): void {
  const end = mode === "v" ? L.end4 : L.endAll;
  code.op(OP.block, 0x40, OP.loop, 0x40);
  code.get(L.c).get(end).op(OP.i32GeU, OP.brIf, 1);
  emitElement(code, L, mode);
  code.get(L.c).i32(mode === "v" ? 16 : 4).op(OP.i32Add).set(L.c);
  code.op(OP.br, 0, OP.end, OP.end);
}

function emitRowStart(code: Code, L: Layout): void {
  for (const [n, s] of L.sRow) {
    code.get(L.ptr.get(n)!).get(L.r).i32(2).op(OP.i32Shl, OP.i32Add).f32Load().set(s);
    code.get(s).simd(SIMD.f32x4Splat).set(L.vRow.get(n)!);
  }
  for (const [n, s] of L.sAcc) {
    code.f32(0).set(s).f32(0).simd(SIMD.f32x4Splat).set(L.vAcc.get(n)!);
  }
  code.i32(0).set(L.c);
}

function emitRowEnd(code: Code, L: Layout): void {
  for (const [n, s] of L.sAcc) {
    const acc = L.vAcc.get(n)!;
    code.get(L.ptr.get(n)!).get(L.r).i32(2).op(OP.i32Shl, OP.i32Add);
    code.get(acc).simd(SIMD.f32x4ExtractLane, 0);
    for (let lane = 1; lane < 4; lane++) {
      code.get(acc).simd(SIMD.f32x4ExtractLane, lane).op(OP.f32Add);
    }
    code.get(s).op(OP.f32Add).f32Store();
  }
  code.get(L.rowBase).get(L.rowBytes).op(OP.i32Add).set(L.rowBase);
  code.get(L.r).i32(1).op(OP.i32Add).set(L.r);
}

/** Emits the whole function body. */
function emitBody(L: Layout): Code {
  const code = new Code();
  code.get(L.cols).i32(2).op(OP.i32Shl).set(L.rowBytes).get(L.rowBytes).set(L.endAll);
  code.get(L.cols).i32(-4).op(OP.i32And).i32(2).op(OP.i32Shl).set(L.end4);
  for (const [n, s] of L.sParam) code.get(s).simd(SIMD.f32x4Splat).set(L.vParam.get(n)!);
  code.op(OP.block, 0x40, OP.loop, 0x40);
  code.get(L.r).get(L.rows).op(OP.i32GeU, OP.brIf, 1);
  emitRowStart(code, L);
  emitLoop(code, L, "v");
  emitLoop(code, L, "s");
  emitRowEnd(code, L);
  code.op(OP.br, 0, OP.end, OP.end);
  return code;
}

/** Encodes a module exporting one function per spec (under the spec's name). */
export function compileKernels(specs: readonly KernelSpec[]): Uint8Array {
  return encodeModule(specs.map((spec) => {
    const L = new Layout(spec);
    const code = emitBody(L);
    return { name: spec.name, params: L.params, locals: L.locals, code };
  }));
}
