/**
 * Where a compiled kernel keeps its values: the wasm function's parameters (one byte offset per
 * input and output, `rows`, `cols`, the float32 parameters) and its locals (loop counters, splatted
 * parameters, intermediate values, row-broadcast inputs, row-sum accumulators, scratch).
 *
 * @module
 */
import { F32, I32, V128, type ValType } from "./encode.ts";
import type { KernelSpec } from "./kernel_gen.ts";

/** Local-variable layout of one compiled kernel. */
export class Layout {
  readonly locals: ValType[] = [];
  readonly ptr = new Map<string, number>();
  readonly vParam = new Map<string, number>();
  readonly sParam = new Map<string, number>();
  readonly vLet = new Map<string, number>();
  readonly sLet = new Map<string, number>();
  readonly vRow = new Map<string, number>();
  readonly sRow = new Map<string, number>();
  readonly vAcc = new Map<string, number>();
  readonly sAcc = new Map<string, number>();
  readonly params: ValType[] = [];
  rows = 0;
  cols = 0;
  r = 0;
  c = 0;
  rowBase = 0;
  rowBytes = 0;
  end4 = 0;
  endAll = 0;
  tmp = 0;

  constructor(readonly spec: KernelSpec) {
    for (const [n] of spec.inputs) this.ptr.set(n, this.param(I32));
    for (const [n] of spec.outputs) this.ptr.set(n, this.param(I32));
    this.rows = this.param(I32);
    this.cols = this.param(I32);
    for (const n of spec.params) this.sParam.set(n, this.param(F32));
    const loc = (t: ValType) => this.params.length + this.locals.push(t) - 1;
    [this.r, this.c, this.rowBase, this.rowBytes, this.end4, this.endAll, this.tmp] = Array
      .from({ length: 7 }, () => loc(I32));
    for (const n of spec.params) this.vParam.set(n, loc(V128));
    for (const [n] of spec.lets) (this.vLet.set(n, loc(V128)), this.sLet.set(n, loc(F32)));
    for (const [n, kind] of spec.inputs) {
      if (kind === "row") (this.vRow.set(n, loc(V128)), this.sRow.set(n, loc(F32)));
    }
    for (const [n, kind] of spec.outputs) {
      if (kind === "rowSum") (this.vAcc.set(n, loc(V128)), this.sAcc.set(n, loc(F32)));
    }
  }

  private param(t: ValType): number {
    return this.params.push(t) - 1;
  }

  /** A fresh local (declared after the parameters). */
  scratch(t: ValType): number {
    return this.params.length + this.locals.push(t) - 1;
  }
}
