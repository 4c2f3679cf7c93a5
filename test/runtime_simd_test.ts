/**
 * The SIMD kernel generator (src/runtime/simd/): compiled kernels against the float32 JS
 * evaluation of the same spec on every input and output kind, grid shapes with and without a
 * scalar tail, and unaligned heap offsets; the kernels on tfjs-backend-wasm's heap, after it grows.
 */
import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { initBackend } from "../src/runtime/backend.ts";
import type { WasmBackend } from "../src/runtime/blas/heap.ts";
import { sleb, uleb } from "../src/runtime/simd/encode.ts";
import {
  backendMemory,
  E,
  evaluateKernel,
  kernelFor,
  type KernelSpec,
  runKernel,
  setSimdKernels,
  simdAvailable,
  simdOpAvailable,
} from "../src/runtime/simd/mod.ts";
import { sumOfSquares } from "../src/methods/_sum_squares.ts";
import { fusedTail, fusedTailAvailable } from "../src/models/_bias_act_gate.ts";
import { inputGatedMatMul } from "../src/models/_input_gate.ts";
import { Rng } from "../src/util/rng.ts";

const SPEC: KernelSpec = {
  name: "test_all_kinds",
  inputs: [["x", "full"], ["y", "full"], ["rw", "row"], ["cl", "col"]],
  params: ["a", "lo", "tiny"],
  lets: [["t", E.add(E.mul(E.in("x"), E.param("a")), E.abs(E.in("y")))]],
  outputs: [
    ["o", "full", E.div(E.sqrt(E.let("t")), E.sub(E.in("rw"), E.neg(E.in("cl"))))],
    ["rs", "rowSum", E.mul(E.in("x"), E.in("x"))],
    ["cs", "colSum", E.mul(E.in("y"), E.in("rw"))],
    ["o2", "full", E.add(E.relu(E.in("y")), E.mul(E.step(E.in("x")), E.in("cl")))],
    ["o3", "full", E.pmin(E.pmax(E.in("x"), E.param("lo")), E.in("y"))],
    ["o4", "full", E.ftz(E.mul(E.mul(E.in("x"), E.param("tiny")), E.in("cl")))],
  ],
};

Deno.test("LEB128 encodings", () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(127), [127]);
  assert.deepEqual(uleb(128), [0x80, 1]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(sleb(-1), [0x7f]);
  assert.deepEqual(sleb(63), [63]);
  assert.deepEqual(sleb(64), [0xc0, 0]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
});

Deno.test("compiled SIMD kernels equal their float32 JS evaluation", () => {
  assert.ok(simdAvailable(), "this runtime validates wasm SIMD");
  const mem = new WebAssembly.Memory({ initial: 2 });
  const rng = new Rng(5);
  const rand = (n: number, lo: number, hi: number) =>
    Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  for (const [rows, cols] of [[3, 7], [5, 8], [1, 1], [4, 13], [1, 35], [0, 5], [2, 0]]) {
    const n = rows * cols;
    const ins = [rand(n, -1, 1), rand(n, -1, 1), rand(rows, 2, 3), rand(cols, 0, 1)];
    const outs = [n, rows, cols, n, n, n].map((k) => new Float32Array(k));
    const heap = new Float32Array(mem.buffer).fill(0);
    let at = 3; // offsets that are not multiples of 16 bytes
    const ptrs = [...ins, ...outs].map((a) => {
      heap.set(a, at);
      const p = at * 4;
      at += a.length + 1;
      return p;
    });
    kernelFor(mem, SPEC)(...ptrs, rows, cols, 0.3, -0.2, 3e-38);
    const want = evaluateKernel(SPEC, ins, rows, cols, [0.3, -0.2, 3e-38]);
    const got = (o: number) => new Float32Array(mem.buffer, ptrs[4 + o], want[o].length);
    assert.deepEqual(got(0), want[0], `full output, ${rows}×${cols}`);
    assert.deepEqual(got(3), want[3], `relu/step output, ${rows}×${cols}`);
    assert.deepEqual(got(4), want[4], `pmin/pmax output, ${rows}×${cols}`);
    assert.deepEqual(got(5), want[5], `ftz output, ${rows}×${cols}`);
    assert.ok(
      got(5).every((v) => v === 0 || Math.abs(v) >= 1.1754943508222875e-38),
      "no subnormals",
    );
    for (const o of [1, 2]) {
      want[o].forEach((w, i) => {
        assert.ok(Math.abs(got(o)[i] - w) <= 1e-6 * (1 + Math.abs(w)), `sum ${o}[${i}]`);
      });
    }
    // the words between arrays are untouched (no overrun)
    for (let k = 0; k < ptrs.length; k++) {
      const len = [...ins, ...outs][k].length;
      assert.equal(heap[ptrs[k] / 4 + len], 0, `guard after array ${k}`);
    }
  }
});

Deno.test("kernels run on tfjs-wasm's heap in place, also after the heap grows", async () => {
  await initBackend("wasm", { blas: false });
  try {
    const backend = tf.backend() as unknown as WasmBackend;
    const memory = backendMemory(backend);
    assert.ok(memory, "tfjs-backend-wasm exposes its memory");
    const spec: KernelSpec = {
      name: "test_axpy",
      inputs: [["x", "full"], ["y", "full"]],
      params: ["a"],
      lets: [],
      outputs: [["out", "full", E.add(E.mul(E.in("x"), E.param("a")), E.in("y"))]],
    };
    const before = memory.buffer.byteLength;
    const big = tf.zeros([Math.ceil(before / 4) + 1024]); // forces the heap to grow
    assert.ok(memory.buffer.byteLength > before, "heap grew");
    const x = tf.tensor1d([1, 2, 3, 4, 5]), y = tf.tensor1d([10, 20, 30, 40, 50]);
    const out = tf.zeros([5]);
    const ref = (t: tf.Tensor) => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
    runKernel(backend, memory, spec, [ref(x), ref(y)], [ref(out)], 1, 5, [2]);
    assert.deepEqual(Array.from(out.dataSync()), [12, 24, 36, 48, 60]);
    assert.throws(
      () => runKernel(backend, memory, spec, [ref(x)], [ref(out)], 1, 5, [2]),
      /takes 2/,
    );
    tf.dispose([big, x, y, out]);
  } finally {
    await initBackend("cpu");
  }
});

Deno.test("sumOfSquares: SIMD path equals the tfjs-op path (gradient bit for bit)", async () => {
  const cases: [number[], number[]][] = [
    [[37, 13], [1]],
    [[37, 13], [0]],
    [[5, 5, 3, 7], [0, 1, 2]],
    [[4, 6, 5], [1, 2]],
  ];
  const run = () => {
    const rng = new Rng(11);
    return cases.map(([shape, axes]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const t0 = tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
      const v = tf.variable(t0);
      t0.dispose();
      const w = sumOfSquaresWeights(shape, axes);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(sumOfSquares(v, axes), w)) as tf.Scalar,
        [v],
      );
      const out = [value.dataSync()[0], Float32Array.from(grads[v.name].dataSync())] as const;
      tf.dispose([v, w, value, grads[v.name]]);
      return out;
    });
  };
  await initBackend("wasm", { blas: false });
  try {
    assert.ok(simdOpAvailable());
    const before = tf.memory().numTensors;
    const simd = run();
    assert.equal(tf.memory().numTensors, before, "no leaks");
    await initBackend("cpu");
    const ref = run();
    simd.forEach(([value, grad], k) => {
      assert.ok(Math.abs(value - ref[k][0]) <= 1e-5 * Math.abs(ref[k][0]), `value ${k}`);
      assert.deepEqual(grad, ref[k][1], `gradient ${k}`);
    });
  } finally {
    await initBackend("cpu");
  }
});

/** Fixed weights over the kept dimensions (so every reduced entry gets its own gradient). */
function sumOfSquaresWeights(shape: number[], axes: number[]): tf.Tensor {
  const kept = shape.filter((_, i) => !axes.includes(i));
  const n = kept.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => 0.5 + i / n), kept);
}

Deno.test("fused bias-relu-gate tail equals the tfjs ops (cpu oracle), gradients included", async () => {
  const shapes = [[6, 13], [3, 5, 4, 7], [2, 2]];
  const run = (fused: boolean) => {
    const rng = new Rng(21);
    const out: Float32Array[] = [];
    for (const shape of shapes) {
      for (const relu of [true, false]) {
        for (const gated of [true, false]) {
          const c = shape[shape.length - 1], n = shape.reduce((a, b) => a * b, 1);
          const x = tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
          const b = tf.tensor1d(Float32Array.from({ length: c }, () => rng.normal()));
          const z = tf.tensor1d(Float32Array.from({ length: c }, () => rng.next()));
          const w = tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
          const f = (xv: tf.Tensor, bv: tf.Tensor, zv: tf.Tensor) => {
            if (fused) {
              assert.ok(fusedTailAvailable(xv, bv, gated ? zv : null));
              return fusedTail(xv, bv, gated ? zv : null, relu);
            }
            const h = relu ? tf.relu(tf.add(xv, bv)) : tf.add(xv, bv);
            return gated ? tf.mul(h, zv) : h;
          };
          const y = tf.tidy(() => f(x, b, z));
          const grads = gated
            ? tf.grads((xv, bv, zv) => tf.sum(tf.mul(f(xv, bv, zv), w)))([x, b, z])
            : tf.grads((xv, bv) => tf.sum(tf.mul(f(xv, bv, z), w)))([x, b]);
          out.push(...[y, ...grads].map((t) => Float32Array.from(t.dataSync())));
          if (!gated) out.push(new Float32Array(0));
          tf.dispose([x, b, z, w, y, ...grads]);
        }
      }
    }
    return out;
  };
  await initBackend("wasm", { blas: false });
  try {
    const before = tf.memory().numTensors;
    const got = run(true);
    assert.equal(tf.memory().numTensors, before, "no leaks");
    await initBackend("cpu");
    const want = run(false);
    got.forEach((g, i) => {
      const what = `case ${Math.floor(i / 4)} ${["y", "dx", "db", "dz"][i % 4]}`;
      if (i % 4 < 2) assert.deepEqual(g, want[i], what);
      else {
        g.forEach((v, k) => {
          assert.ok(Math.abs(v - want[i][k]) <= 1e-5 * (1 + Math.abs(want[i][k])), what);
        });
      }
    });
  } finally {
    await initBackend("cpu");
  }
});

Deno.test("input-gated matMul: fused backward equals the tfjs ops; inputs needing gradients keep them", async () => {
  const run = (fused: boolean) => {
    const rng = new Rng(4);
    const rand = (shape: number[]) =>
      tf.tensor(
        Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
        shape,
      );
    const x = rand([7, 13]), z0 = rand([13]), w0 = rand([13, 5]), m = rand([7, 5]);
    const z = tf.variable(z0), w = tf.variable(w0);
    const f = () => {
      const y = fused ? inputGatedMatMul(x, z, w) : tf.matMul(tf.mul(x, z), w);
      assert.ok(y, "fused path taken");
      return tf.sum(tf.mul(y, m)) as tf.Scalar;
    };
    const { value, grads } = tf.variableGrads(f, [z, w]);
    const out = [value, grads[z.name], grads[w.name]].map((t) => Float32Array.from(t.dataSync()));
    // an input that needs a gradient (it depends on a variable) is not fused
    const xv0 = rand([7, 13]), xv = tf.variable(xv0);
    const skipped = tf.tidy(() => {
      let r: tf.Tensor | null = null;
      tf.variableGrads(() => {
        r = inputGatedMatMul(tf.mul(xv, 2), z, w);
        return tf.sum(tf.matMul(tf.mul(xv, z), w)) as tf.Scalar;
      }, [xv]);
      return r === null;
    });
    tf.dispose([x, z0, w0, m, z, w, xv0, xv, value, grads[z.name], grads[w.name]]);
    return { out, skipped };
  };
  await initBackend("wasm", { blas: false });
  try {
    const before = tf.memory().numTensors;
    const got = run(true);
    assert.ok(got.skipped, "x depending on a variable takes the tfjs ops");
    assert.equal(tf.memory().numTensors, before, "no leaks");
    assert.deepEqual(got.out[0], run(false).out[0], "forward value, same backend");
    await initBackend("cpu");
    const want = run(false).out;
    for (const k of [0, 1, 2]) {
      got.out[k].forEach((v, i) => {
        assert.ok(Math.abs(v - want[k][i]) <= 1e-5 * (1 + Math.abs(want[k][i])), `grad ${k}[${i}]`);
      });
    }
  } finally {
    await initBackend("cpu");
  }
});

Deno.test("setSimdKernels(false) turns every SIMD kernel off and the backend reports it", async () => {
  try {
    const on = await initBackend("wasm", { blas: false });
    assert.equal(on.simd, true);
    setSimdKernels(false);
    assert.equal(simdOpAvailable(), false);
    const off = await initBackend("wasm", { blas: false });
    assert.equal(off.simd, false);
    // the layer tail and the sum of squares fall back to the tfjs ops
    const x = tf.ones([2, 4]), b = tf.ones([4]);
    assert.equal(fusedTailAvailable(x, b, null), false);
    tf.dispose([x, b]);
  } finally {
    setSimdKernels(true);
    await initBackend("cpu");
  }
});
