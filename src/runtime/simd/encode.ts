/**
 * A minimal WebAssembly binary encoder: just enough to emit the fused SIMD kernels of
 * `kernel_gen.ts` as a module that imports tfjs-backend-wasm's memory, with no compiler, no
 * build step and no dependency. Instruction opcodes are those of the WebAssembly 2.0 core spec
 * (SIMD: the `0xfd` prefix).
 *
 * @module
 */

/** Value types. */
export const I32 = 0x7f;
/** 32-bit float. */
export const F32 = 0x7d;
/** 128-bit vector. */
export const V128 = 0x7b;
/** A value type code. */
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Opcodes used by the kernels (single byte). */
export const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  f32Const: 0x43,
  i32GeU: 0x4f,
  f32Lt: 0x5d,
  f32Gt: 0x5e,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  f32Abs: 0x8b,
  f32Neg: 0x8c,
  f32Sqrt: 0x91,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32ConvertI32U: 0xb3,
} as const;

/** SIMD opcodes (after the `0xfd` prefix). */
export const SIMD = {
  load: 0x00,
  store: 0x0b,
  f32x4Splat: 0x13,
  f32x4ExtractLane: 0x1f,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  v128And: 0x4e,
  v128AndNot: 0x4f,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
} as const;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  while (true) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Appends instructions to a function body. */
export class Code {
  /** The encoded instructions. */
  readonly bytes: number[] = [];

  /** Raw opcode bytes. */
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  /** A SIMD instruction (`0xfd` prefix, LEB opcode, immediates). */
  simd(code: number, ...imm: number[]): this {
    this.bytes.push(0xfd, ...uleb(code), ...imm);
    return this;
  }
  /** `local.get i`. */
  get(i: number): this {
    return this.op(OP.localGet, ...uleb(i));
  }
  /** `local.set i`. */
  set(i: number): this {
    return this.op(OP.localSet, ...uleb(i));
  }
  /** `local.tee i`. */
  tee(i: number): this {
    return this.op(OP.localTee, ...uleb(i));
  }
  /** `i32.const n`. */
  i32(n: number): this {
    return this.op(OP.i32Const, ...sleb(n));
  }
  /** `f32.const x` (x rounded to float32). */
  f32(x: number): this {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    return this.op(OP.f32Const, ...b);
  }
  /** `f32.load` with 4-byte alignment. */
  f32Load(offset = 0): this {
    return this.op(OP.f32Load, 2, ...uleb(offset));
  }
  /** `f32.store` with 4-byte alignment. */
  f32Store(offset = 0): this {
    return this.op(OP.f32Store, 2, ...uleb(offset));
  }
  /** `v128.load` (declared 4-byte alignment: tensors are float-aligned only). */
  v128Load(offset = 0): this {
    return this.simd(SIMD.load, 2, ...uleb(offset));
  }
  /** `v128.store` (4-byte alignment). */
  v128Store(offset = 0): this {
    return this.simd(SIMD.store, 2, ...uleb(offset));
  }
}

/** One exported function. */
export interface FuncDef {
  /** Export name. */
  name: string;
  /** Parameter types. */
  params: ValType[];
  /** Extra locals, in order after the parameters. */
  locals: ValType[];
  /** The body (without the final `end`). */
  code: Code;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/** Encodes a module importing `env.memory` (min 1 page, no maximum) and exporting `funcs`. */
export function encodeModule(funcs: readonly FuncDef[]): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0]);
  const imports = [[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]];
  const bodies = funcs.map((f) => {
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [
      ...vec(groups.map(([n, t]) => [...uleb(n), t])),
      ...f.code.bytes,
      OP.end,
    ];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}
