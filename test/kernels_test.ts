/**
 * Tests of the training kernels (src/runtime/kernels/) on wasm against naive JS references, the
 * zero gradients, a gated training step, and the backend seam's error paths.
 *
 * Run: deno test --allow-read --allow-env --allow-sys test/kernels_test.ts
 */
import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { registerTrainingKernels, TRAINING_KERNELS } from "../src/runtime/kernels/mod.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";
import { Rng } from "../src/util/rng.ts";

await initBackend("wasm", { blas: false });

const TOL = 1e-4;

function randn(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

/** Max of |a − b| / (1 + |b|) over all elements; asserts equal shapes. */
function assertClose(actual: tf.Tensor, expected: Float64Array, shape: number[], what: string) {
  assert.deepEqual(actual.shape, shape, `${what}: shape`);
  const a = actual.dataSync();
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - expected[i]) / (1 + Math.abs(expected[i])));
  }
  assert.ok(worst <= TOL, `${what}: max relative difference ${worst.toExponential(2)} > ${TOL}`);
}

// ---- naive NHWC convolution reference (geometry from tfjs's own conv util) ----

type Pad = "valid" | "same" | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvRef {
  y: Float64Array;
  dx: Float64Array;
  dw: Float64Array;
  info: tf.backend_util.Conv2DInfo;
}

function convRef(
  x: tf.Tensor,
  w: tf.Tensor,
  dy: tf.Tensor | null,
  strides: [number, number],
  pad: Pad,
  dilations: [number, number] = [1, 1],
): ConvRef {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    w.shape as [number, number, number, number],
    strides,
    dilations,
    pad as "same",
  );
  const [B, H, W, C] = x.shape;
  const [KH, KW, , CO] = w.shape;
  const { outHeight: OH, outWidth: OW } = info;
  const xv = x.dataSync(), wv = w.dataSync(), gv = dy?.dataSync();
  const y = new Float64Array(B * OH * OW * CO);
  const dx = new Float64Array(xv.length), dw = new Float64Array(wv.length);
  for (let n = 0; n < B; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let i = 0; i < KH; i++) {
          const ih = oh * info.strideHeight + i * info.dilationHeight - info.padInfo.top;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < KW; j++) {
            const iw = ow * info.strideWidth + j * info.dilationWidth - info.padInfo.left;
            if (iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++) {
              const xi = ((n * H + ih) * W + iw) * C + c;
              for (let co = 0; co < CO; co++) {
                const wi = ((i * KW + j) * C + c) * CO + co;
                const yi = ((n * OH + oh) * OW + ow) * CO + co;
                y[yi] += xv[xi] * wv[wi];
                if (gv) {
                  dx[xi] += gv[yi] * wv[wi];
                  dw[wi] += gv[yi] * xv[xi];
                }
              }
            }
          }
        }
      }
    }
  }
  return { y, dx, dw, info };
}

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  strides: [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { name: "7x7 3x3 stride 2 same", x: [2, 7, 7, 3], w: [3, 3, 3, 4], strides: [2, 2], pad: "same" },
  { name: "8x8 3x3 stride 2 same", x: [2, 8, 8, 3], w: [3, 3, 3, 4], strides: [2, 2], pad: "same" },
  {
    name: "8x8 3x3 stride 2 valid",
    x: [2, 8, 8, 3],
    w: [3, 3, 3, 4],
    strides: [2, 2],
    pad: "valid",
  },
  { name: "8x8 3x3 stride 2 pad 1", x: [2, 8, 8, 3], w: [3, 3, 3, 4], strides: [2, 2], pad: 1 },
  { name: "9x9 1x1 stride 2 same", x: [2, 9, 9, 2], w: [1, 1, 2, 3], strides: [2, 2], pad: "same" },
  {
    name: "8x8 1x1 stride 2 valid",
    x: [2, 8, 8, 2],
    w: [1, 1, 2, 3],
    strides: [2, 2],
    pad: "valid",
  },
  { name: "6x6 5x5 stride 1 same", x: [2, 6, 6, 3], w: [5, 5, 3, 2], strides: [1, 1], pad: "same" },
  {
    name: "12x12 5x5 stride 1 valid",
    x: [3, 12, 12, 1],
    w: [5, 5, 1, 4],
    strides: [1, 1],
    pad: "valid",
  },
  {
    name: "10x10 3x3 stride 1 same",
    x: [2, 10, 10, 4],
    w: [3, 3, 4, 4],
    strides: [1, 1],
    pad: "same",
  },
  {
    name: "5x5 5x5 valid (1x1 out)",
    x: [1, 5, 5, 2],
    w: [5, 5, 2, 3],
    strides: [1, 1],
    pad: "valid",
  },
  {
    name: "7x9 3x5 stride [1,2] explicit",
    x: [2, 7, 9, 2],
    w: [3, 5, 2, 3],
    strides: [1, 2],
    pad: [[0, 0], [2, 1], [0, 1], [0, 0]],
  },
  {
    name: "7x7 3x3 explicit pads wider than the filter",
    x: [2, 7, 7, 3],
    w: [3, 3, 3, 4],
    strides: [1, 1],
    pad: [[0, 0], [3, 0], [0, 4], [0, 0]],
  },
];

Deno.test("wasm has the training kernels registered", () => {
  const names = new Set(tf.getKernelsForBackend("wasm").map((k) => k.kernelName));
  for (const k of TRAINING_KERNELS.wasm) {
    assert.ok(names.has(k), k);
    const config = tf.getKernel(k, "wasm") as unknown as Record<symbol, unknown>;
    assert.equal(config[Symbol.for("prunebench.kernel")], "prunebench:wasm", `${k} is not ours`);
  }
  assert.deepEqual(registerTrainingKernels("wasm"), [], "second registration must be a no-op");
  assert.throws(() => registerTrainingKernels("gpu" as "cpu"), RangeError);
});

for (const c of CONV_CASES) {
  Deno.test(`conv2d forward and gradients match reference: ${c.name}`, async () => {
    const rng = new Rng(c.x.concat(c.w).reduce((a, b) => a * 31 + b, 7));
    const x = randn(rng, c.x), w = randn(rng, c.w);
    const info = convRef(x, w, null, c.strides, c.pad).info;
    const dy = randn(rng, info.outShape);
    const ref = convRef(x, w, dy, c.strides, c.pad);
    await expectNoLeakedTensors(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad).mul(dy).sum();
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad);
      const [dx, dw] = tf.grads(f)([x, w]);
      assertClose(y, ref.y, info.outShape, "y");
      assertClose(dx, ref.dx, c.x, "dx");
      assertClose(dw, ref.dw, c.w, "dw");
      tf.dispose([y, dx, dw]);
    });
    tf.dispose([x, w, dy]);
  });
}

Deno.test("conv gradient kernels: NCHW and dilation 2 (called directly)", () => {
  const rng = new Rng(11);
  const cases: { strides: [number, number]; dil: [number, number]; pad: Pad }[] = [
    { strides: [2, 2], dil: [1, 1], pad: "same" },
    { strides: [1, 1], dil: [2, 2], pad: "same" },
    { strides: [1, 1], dil: [2, 1], pad: "valid" },
  ];
  for (const { strides, dil, pad } of cases) {
    const x = randn(rng, [2, 9, 8, 3]), w = randn(rng, [3, 3, 3, 2]);
    const info = convRef(x, w, null, strides, pad, dil).info;
    const dy = randn(rng, info.outShape);
    const ref = convRef(x, w, dy, strides, pad, dil);
    const engine = tf.engine();
    const base = { strides, pad, dilations: dil, dimRoundingMode: "floor" };
    for (const nchw of [false, true]) {
      const what = `strides ${strides} dilations ${dil} ${pad} ${nchw ? "NCHW" : "NHWC"}`;
      const toF = (t: tf.Tensor) => nchw ? t.transpose([0, 3, 1, 2]) : t.clone();
      const [xf, dyf] = [toF(x), toF(dy)];
      const dataFormat = nchw ? "NCHW" : "NHWC";
      const dw = engine.runKernel("Conv2DBackpropFilter", { x: xf, dy: dyf }, {
        ...base,
        dataFormat,
        filterShape: w.shape,
      }) as tf.Tensor;
      let dx = engine.runKernel("Conv2DBackpropInput", { dy: dyf, filter: w }, {
        ...base,
        dataFormat,
        inputShape: xf.shape,
      }) as tf.Tensor;
      if (nchw) dx = dx.transpose([0, 2, 3, 1]);
      assertClose(dw, ref.dw, w.shape, `dw ${what}`);
      assertClose(dx, ref.dx, x.shape, `dx ${what}`);
      tf.dispose([xf, dyf, dw, dx]);
    }
    tf.dispose([x, w, dy]);
  }
});

Deno.test("cpu filter-gradient shim matches the reference", async () => {
  assert.deepEqual(registerTrainingKernels("cpu"), ["Conv2DBackpropFilter"]);
  await tf.setBackend("cpu");
  try {
    for (const c of [CONV_CASES[0], CONV_CASES[2], CONV_CASES[6], CONV_CASES[10]]) {
      const rng = new Rng(c.w[0] * 7 + c.x[1]);
      const x = randn(rng, c.x), w = randn(rng, c.w);
      const dy = randn(rng, convRef(x, w, null, c.strides, c.pad).info.outShape);
      const ref = convRef(x, w, dy, c.strides, c.pad);
      const f = (b: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
      const dw = tf.grad((b: tf.Tensor) => f(b).mul(dy).sum())(w);
      assertClose(dw, ref.dw, c.w, `cpu dw ${c.name}`);
      tf.dispose([x, w, dy, dw]);
    }
  } finally {
    await tf.setBackend("wasm");
  }
});

// ---- matmul ----

function matmulRef(a: tf.Tensor, b: tf.Tensor, tA: boolean, tB: boolean) {
  const [ba, ra, ca] = a.rank === 2 ? [1, ...a.shape] : a.shape;
  const [bb, rb, cb] = b.rank === 2 ? [1, ...b.shape] : b.shape;
  const [m, k] = tA ? [ca, ra] : [ra, ca];
  const n = tB ? rb : cb;
  const batch = Math.max(ba, bb);
  const av = a.dataSync(), bv = b.dataSync();
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = (ba === 1 ? 0 : p) * ra * ca, bo = (bb === 1 ? 0 : p) * rb * cb;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          s += av[ao + (tA ? q * ca + i : i * ca + q)] * bv[bo + (tB ? j * cb + q : q * cb + j)];
        }
        out[(p * m + i) * n + j] = s;
      }
    }
  }
  return out;
}

const MATMUL_SHAPES: [number[], number[]][] = [[[6, 9], [9, 4]], [[30, 40], [40, 20]], [
  [3, 6, 9],
  [3, 9, 4],
]];
const FLAGS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const swapLast = (s: number[], t: boolean) => t ? [...s.slice(0, -2), s.at(-1)!, s.at(-2)!] : s;
const untranspose = (g: tf.Tensor, t: boolean) =>
  t ? g.transpose(g.rank === 3 ? [0, 2, 1] : [1, 0]) : g.clone();

for (const [sa, sb] of MATMUL_SHAPES) {
  for (const [tA, tB] of FLAGS) {
    Deno.test(`matMul ${sa}·${sb} transposeA=${tA} transposeB=${tB} and gradients`, async () => {
      const rng = new Rng(sa[0] * 100 + (tA ? 2 : 0) + (tB ? 1 : 0));
      const a = randn(rng, swapLast(sa, tA)), b = randn(rng, swapLast(sb, tB));
      const outShape = [...sa.slice(0, -1), sb.at(-1)!];
      const dy = randn(rng, outShape);
      await expectNoLeakedTensors(() => {
        const out = tf.matMul(a, b, tA, tB);
        const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.matMul(p, q, tA, tB).mul(dy).sum()
        )([a, b]);
        assertClose(out, matmulRef(a, b, tA, tB), outShape, "y");
        // d(Σ y·dy)/d op(A) = dy·op(B)ᵀ and d(Σ y·dy)/d op(B) = op(A)ᵀ·dy.
        const [gaNN, gbNN] = [untranspose(ga, tA), untranspose(gb, tB)];
        assertClose(gaNN, matmulRef(dy, b, false, !tB), sa, "da");
        assertClose(gbNN, matmulRef(a, dy, !tA, false), sb, "db");
        tf.dispose([out, ga, gb, gaNN, gbNN]);
      });
      tf.dispose([a, b, dy]);
    });
  }
}

Deno.test("matMul with a broadcast batch (forward; tfjs 4.22 has no broadcast gradient)", () => {
  const rng = new Rng(5);
  for (const [tA, tB] of FLAGS) {
    const a = randn(rng, swapLast([2, 5, 7], tA)), b = randn(rng, swapLast([1, 7, 3], tB));
    const out = tf.matMul(a, b, tA, tB);
    assertClose(out, matmulRef(a, b, tA, tB), [2, 5, 3], `y tA=${tA} tB=${tB}`);
    tf.dispose([a, b, out]);
  }
});

// ---- gated training step ----

/** Hard-concrete gate (β = 2/3, γ = −0.1, ζ = 1.1) with a hard zero where log α ≤ −5. */
function gate(logAlpha: tf.Variable, seed: number): tf.Tensor {
  const u = tf.randomUniform(logAlpha.shape, 1e-6, 1 - 1e-6, "float32", seed);
  const s = tf.sigmoid(u.log().sub(tf.sub(1, u).log()).add(logAlpha).div(2 / 3));
  const z = tf.clipByValue(s.mul(1.2).sub(0.1), 0, 1);
  return tf.where(logAlpha.greater(-5), z, tf.zerosLike(z));
}

Deno.test("gated conv net training step on wasm: finite gradients, no leaks", async () => {
  const rng = new Rng(3);
  const v = (shape: number[], scale: number) =>
    tf.variable(tf.tidy(() => randn(rng, shape).mul(scale)));
  const params = {
    w1: v([3, 3, 1, 4], 0.3),
    w2: v([3, 3, 4, 6], 0.2),
    w3: v([4 * 4 * 6, 3], 0.1),
    a1: tf.variable(tf.fill([4], 2)),
    a2: tf.variable(tf.fill([6], 2)),
    a3: tf.variable(tf.fill([3], 2)),
  };
  const x = randn(rng, [5, 8, 8, 1]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1], "int32"), 3);
  let seed = 1;
  const loss = () => {
    const h1 = tf.relu(
      tf.conv2d(x as tf.Tensor4D, params.w1.mul(gate(params.a1, seed++)), 1, "same"),
    );
    const h2 = tf.relu(tf.conv2d(h1, params.w2.mul(gate(params.a2, seed++)), 2, "same"));
    const logits = tf.matMul(h2.reshape([5, -1]), params.w3.mul(gate(params.a3, seed++)));
    const reg = [params.a1, params.a2, params.a3]
      .map((a) => tf.sigmoid(a.add(1.5986)).sum())
      .reduce((p, q) => p.add(q));
    return tf.losses.softmaxCrossEntropy(labels, logits).add(reg.mul(1e-4)) as tf.Scalar;
  };
  const opt = tf.train.adam(1e-3);
  opt.minimize(loss, true)?.dispose(); // warm-up: creates Adam's slot variables
  await expectNoLeakedTensors(async () => {
    const { value, grads } = tf.variableGrads(loss);
    assert.equal(Object.keys(grads).length, Object.keys(params).length);
    for (const [key, p] of Object.entries(params)) {
      const g = grads[p.name];
      const stats = tf.tidy(() => tf.stack([tf.all(tf.isFinite(g)).toFloat(), tf.abs(g).sum()]));
      const [finite, norm] = await stats.data();
      stats.dispose();
      assert.ok(finite === 1, `gradient of ${key} is not finite`);
      assert.ok(norm > 0, `gradient of ${key} is zero`);
    }
    tf.dispose([value, ...Object.values(grads)]);
    const cost = opt.minimize(loss, true);
    assert.ok(Number.isFinite((await cost!.data())[0]));
    cost!.dispose();
  });
  opt.dispose();
  tf.dispose([x, labels, ...Object.values(params)]);
});

// ---- backend seam errors ----

Deno.test("initBackend rejects unknown names with a RangeError listing the valid ones", async () => {
  await assert.rejects(() => initBackend("nope"), (e: Error) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, /Cannot find backend "nope": expected one of "wasm", "cpu"/);
    return true;
  });
});

Deno.test("initBackend('tensorflow') fails fast, telling how to install tfjs-node", async () => {
  const t0 = performance.now();
  await assert.rejects(() => initBackend("tensorflow"), (e: Error) => {
    assert.match(e.message, /@tensorflow\/tfjs-node/);
    assert.match(e.message, /libtensorflow/);
    return true;
  });
  assert.ok(performance.now() - t0 < 2000, "should fail without a download attempt");
  assert.equal(tf.getBackend(), "wasm");
});

// ---- GatherV2 fast path ----

function gatherRef(x: tf.Tensor, idx: number[], axis: number): Float64Array {
  const xs = x.dataSync(), shape = x.shape, a = axis < 0 ? shape.length + axis : axis;
  const outer = shape.slice(0, a).reduce((p, q) => p * q, 1);
  const inner = shape.slice(a + 1).reduce((p, q) => p * q, 1);
  const out = new Float64Array(outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      for (let i = 0; i < inner; i++) {
        out[(o * idx.length + j) * inner + i] = xs[(o * shape[a] + idx[j]) * inner + i];
      }
    }
  }
  return out;
}

const GATHERS: {
  name: string;
  shape: number[];
  axis: number;
  idx: number[];
  idxShape?: number[];
}[] = [
  {
    name: "input selection [100,784] axis 1",
    shape: [100, 784],
    axis: 1,
    idx: Array.from({ length: 627 }, (_, i) => i + Math.floor(i / 4)),
  },
  { name: "rows, inner 12 (element copy)", shape: [9, 3, 4], axis: 0, idx: [8, 0, 3, 3, 5] },
  { name: "rows, inner 40 (set copy)", shape: [6, 40], axis: 0, idx: [5, 1, 1, 0] },
  {
    name: "middle axis, 2-D indices",
    shape: [4, 7, 3],
    axis: 1,
    idx: [6, 0, 2, 2, 5, 1],
    idxShape: [2, 3],
  },
  { name: "axis -1, duplicates", shape: [3, 5, 6], axis: -1, idx: [5, 5, 0, 2] },
];

for (const c of GATHERS) {
  Deno.test(`GatherV2 fast path matches the reference, gradient included: ${c.name}`, async () => {
    await expectNoLeakedTensors(() => {
      const rng = new Rng(c.shape.length * 31 + c.idx.length);
      const x = randn(rng, c.shape);
      const idx = tf.tensor(Int32Array.from(c.idx), c.idxShape ?? [c.idx.length], "int32");
      const y = tf.gather(x, idx, c.axis);
      const a = c.axis < 0 ? c.shape.length + c.axis : c.axis;
      const shape = [
        ...c.shape.slice(0, a),
        ...(c.idxShape ?? [c.idx.length]),
        ...c.shape.slice(a + 1),
      ];
      assertClose(y, gatherRef(x, c.idx, c.axis), shape, c.name);
      // d/dx Σ w ⊙ gather(x) scatters w back, adding over duplicate indices
      const w = randn(rng, shape);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx, c.axis), w)))(x);
      const want = new Float64Array(x.size), ws = w.dataSync();
      const outer = c.shape.slice(0, a).reduce((p, q) => p * q, 1);
      const inner = c.shape.slice(a + 1).reduce((p, q) => p * q, 1);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < c.idx.length; j++) {
          for (let i = 0; i < inner; i++) {
            want[(o * c.shape[a] + c.idx[j]) * inner + i] += ws[(o * c.idx.length + j) * inner + i];
          }
        }
      }
      assertClose(dx, want, c.shape, `${c.name}: gradient`);
      tf.dispose([x, idx, y, w, dx]);
    });
  });
}

Deno.test("GatherV2: int32 data and batchDims go to the stock kernel with the same results", () => {
  const x = tf.tensor([[1, 2, 3], [4, 5, 6]], [2, 3], "int32");
  const g = tf.gather(x, tf.tensor1d([2, 0], "int32"), 1);
  assert.deepEqual(g.arraySync(), [[3, 1], [6, 4]]);
  const xb = tf.tensor([[1, 2, 3], [4, 5, 6]]);
  const gb = tf.gather(xb, tf.tensor([[2, 0], [1, 1]], [2, 2], "int32"), 1, 1);
  assert.deepEqual(gb.arraySync(), [[3, 1], [5, 5]]);
  tf.dispose([x, g, xb, gb]);
});

Deno.test("wasm Identity and same-dtype Cast share the input's data; memory stays exact", () => {
  const before = tf.memory();
  const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const backend = tf.backend() as unknown as {
    dataIdMap: { get(id: object): { memoryOffset: number; refCount: number } };
  };
  const y = tf.clone(x), z = tf.cast(x, "float32"), i = tf.cast(x, "int32");
  assert.equal(
    backend.dataIdMap.get(y.dataId).memoryOffset,
    backend.dataIdMap.get(x.dataId).memoryOffset,
  );
  assert.equal(backend.dataIdMap.get(x.dataId).refCount, 3, "x, its clone and its cast");
  assert.deepEqual(Array.from(i.dataSync()), [1, 2, 3, 4, 5, 6]);
  assert.equal(i.dtype, "int32");
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6], "clone outlives its source");
  y.dispose();
  assert.deepEqual(Array.from(z.dataSync()), [1, 2, 3, 4, 5, 6]);
  tf.dispose([z, i]);
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numBytes, before.numBytes);
  // a gradient that saves its inputs (mul) still sees their values after they are replaced
  const a = tf.variable(tf.tensor1d([1, 2, 3])), b = tf.tensor1d([4, 5, 6]);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(a, b)), [a]);
  assert.deepEqual(Array.from(grads[a.name].dataSync()), [4, 5, 6]);
  tf.dispose([a, b, grads[a.name]]);
});
