/**
 * Tests of the native BLAS kernels (src/runtime/blas): forward results and gradients on the wasm
 * backend with BLAS against the tfjs `cpu` backend, for every transpose combination, fused bias and
 * activation, and conv stride/padding/filter size used by the architectures.
 *
 * Needs `--allow-ffi` and an installed BLAS (`apt-get install -y libopenblas0-pthread`); otherwise
 * the tests that need the library are skipped with a message.
 */
import * as tf from "../src/deps/tfjs.ts";
import assert from "node:assert/strict";
import { initBackend } from "../src/runtime/backend.ts";
import {
  blasActive,
  describeBlas,
  disableBlas,
  MIN_GFLOPS,
  tryEnableBlas,
} from "../src/runtime/blas/mod.ts";
import { openBlas } from "../src/runtime/blas/library.ts";
import { CHUNK_FLOATS, setChunkFloats } from "../src/runtime/blas/conv.ts";
import { Rng } from "../src/util/rng.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";

const info = await initBackend("wasm");
const available = info.blas?.active === true;
if (!available) console.warn(`blas_test: skipping BLAS kernel tests: ${info.blas?.reason}`);
const ignore = !available;

const rng = new Rng(7);
function randn(shape: number[]): { shape: number[]; values: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.normal();
  return { shape, values };
}
type Data = ReturnType<typeof randn>;
const z4 = (shape: number[]): tf.Tensor4D =>
  tf.zeros(shape).reshape(shape as [number, number, number, number]);

/** Runs `fn` on tensors built from `inputs` on `backend`; returns every output's values. */
async function run(
  backend: string,
  inputs: Data[],
  fn: (...ts: tf.Tensor[]) => tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  try {
    return tf.tidy(() => fn(...inputs.map((d) => tf.tensor(d.values, d.shape))))
      .map((t) => {
        const v = t.dataSync() as Float32Array;
        t.dispose();
        return v;
      });
  } finally {
    await tf.setBackend("wasm");
  }
}

/** Asserts wasm(+BLAS) equals cpu within 1e-4 relative (|a−b|/(1+|b|)). */
async function assertMatchesCpu(
  what: string,
  inputs: Data[],
  fn: (...ts: tf.Tensor[]) => tf.Tensor[],
): Promise<void> {
  const ref = await run("cpu", inputs, fn);
  const got = await run("wasm", inputs, fn);
  assert.equal(got.length, ref.length);
  for (let o = 0; o < ref.length; o++) {
    assert.equal(got[o].length, ref[o].length, `${what}: output ${o} size`);
    let worst = 0;
    for (let i = 0; i < ref[o].length; i++) {
      worst = Math.max(worst, Math.abs(got[o][i] - ref[o][i]) / (1 + Math.abs(ref[o][i])));
    }
    assert.ok(worst <= 1e-4, `${what}: output ${o} differs from cpu by ${worst.toExponential(2)}`);
  }
}

/** Forward value and gradients of Σ(f(xs) · r) for a fixed random r, w.r.t. the first `n` inputs. */
function withGrads(f: (...ts: tf.Tensor[]) => tf.Tensor, rShape: number[], n = Infinity) {
  const r = randn(rShape);
  return (...ts: tf.Tensor[]): tf.Tensor[] => {
    const rt = tf.tensor(r.values, r.shape);
    const wrt = ts.slice(0, n), rest = ts.slice(n);
    const g = tf.grads((...xs: tf.Tensor[]) => f(...xs, ...rest).mul(rt).sum());
    return [f(...ts), ...g(wrt)];
  };
}

Deno.test({
  name: "blas: status reports the library, threads and kernels; label is wasm+blas",
  ignore,
  fn() {
    assert.equal(info.label, "wasm+blas");
    const s = info.blas!;
    assert.ok(s.library && s.threads >= 1 && s.kernels.includes("Conv2DBackpropFilter"));
    assert.ok(s.probeGflops >= MIN_GFLOPS, `probe ${s.probeGflops} GFLOP/s`);
    assert.match(describeBlas(s), /^blas=\S+ threads=\d+$/);
    assert.ok(blasActive());
  },
});

Deno.test({
  name: "blas: BatchMatMul matches cpu for all transposes and batch broadcasts (forward + grads)",
  ignore,
  async fn() {
    const cases: [number[], number[]][] = [
      [[7, 5], [5, 9]],
      [[3, 4, 6], [3, 6, 2]],
      [
        [1, 4, 6],
        [3, 6, 5],
      ],
      [[2, 3, 4, 6], [6, 5]],
      [[13, 1], [1, 11]],
    ];
    for (const [sa, sb] of cases) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const swap = (s: number[], t: boolean) =>
            t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s;
          const a = randn(swap(sa, ta)), b = randn(swap(sb, tb));
          const outShape = tf.tidy(() =>
            tf.matMul(tf.zeros(a.shape), tf.zeros(b.shape), ta, tb).shape
          );
          // tfjs' BatchMatMul gradient does not reduce broadcast batches: forward only there.
          const broadcast = sa.length !== sb.length || sa[0] !== sb[0];
          const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb);
          await assertMatchesCpu(
            `matMul ${sa}·${sb} ta=${ta} tb=${tb}`,
            [a, b],
            broadcast ? (x, y) => [f(x, y)] : withGrads(f, outShape),
          );
        }
      }
    }
  },
});

Deno.test({
  name: "blas: _FusedMatMul matches cpu with bias and every activation",
  ignore,
  async fn() {
    const acts = ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"] as const;
    for (const activation of acts) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const a = randn(ta ? [8, 6] : [6, 8]), b = randn(tb ? [5, 8] : [8, 5]);
        const bias = randn([5]), alpha = randn([5]);
        const f = (x: tf.Tensor, y: tf.Tensor, bi: tf.Tensor, p: tf.Tensor) =>
          tf.fused.matMul({
            a: x as tf.Tensor2D,
            b: y as tf.Tensor2D,
            transposeA: ta,
            transposeB: tb,
            bias: bi,
            activation,
            preluActivationWeights: activation === "prelu" ? p : undefined,
            leakyreluAlpha: 0.3,
          });
        // tfjs has gradients for fused linear/relu only.
        const fn = activation === "linear" || activation === "relu"
          ? withGrads((x, y, bi, p) => f(x, y, bi, p), [6, 5], 3)
          : (...ts: tf.Tensor[]) => [f(ts[0], ts[1], ts[2], ts[3])];
        await assertMatchesCpu(`fused ${activation} ta=${ta} tb=${tb}`, [a, b, bias, alpha], fn);
      }
    }
    const a = randn([2, 4, 3]), b = randn([2, 3, 5]), s = randn([1]);
    await assertMatchesCpu("fused batched, scalar bias", [a, b, s], (x, y, bi) => [
      tf.fused.matMul({ a: x as tf.Tensor3D, b: y as tf.Tensor3D, bias: bi, activation: "relu" }),
    ]);
  },
});

const CONVS: { k: number; s: number; pad: "valid" | "same" | number; h: number; w: number }[] = [
  { k: 5, s: 1, pad: "valid", h: 12, w: 12 }, // LeNet-5
  { k: 3, s: 1, pad: "same", h: 8, w: 7 }, // VGG / ResNet
  { k: 3, s: 2, pad: "same", h: 8, w: 8 }, // ResNet downsampling, even size
  { k: 3, s: 2, pad: "same", h: 9, w: 7 },
  { k: 1, s: 1, pad: "valid", h: 5, w: 6 }, // pointwise GEMM path
  { k: 1, s: 2, pad: "same", h: 8, w: 8 }, // ResNet shortcut
  { k: 5, s: 2, pad: "valid", h: 11, w: 10 },
  { k: 5, s: 1, pad: "same", h: 6, w: 6 },
  { k: 3, s: 2, pad: 1, h: 8, w: 8 }, // PyTorch-style symmetric padding
  { k: 3, s: 1, pad: "valid", h: 3, w: 3 }, // output 1×1
];

Deno.test({
  name: "blas: Conv2D and its input/filter gradients match cpu (strides 1/2, valid/same/numeric)",
  ignore,
  async fn() {
    for (const [{ k, s, pad, h, w }, i] of CONVS.map((c, i) => [c, i] as const)) {
      const cin = 1 + rng.int(4), cout = 1 + rng.int(5), batch = 2 + rng.int(3);
      // every other case: one image per im2col chunk (filter gradient accumulates over chunks)
      setChunkFloats(i % 2 ? 1 : CHUNK_FLOATS);
      const x = randn([batch, h, w, cin]), f = randn([k, k, cin, cout]);
      const outShape = tf.tidy(() => tf.conv2d(z4(x.shape), z4(f.shape), s, pad).shape);
      await assertMatchesCpu(
        `conv ${k}x${k} s${s} ${pad} in ${x.shape} out ${outShape}`,
        [x, f],
        withGrads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), outShape),
      );
    }
    setChunkFloats(CHUNK_FLOATS);
  },
});

Deno.test({
  name: "blas: MaxPoolGrad matches cpu (2×2/3×3, strides 1/2, valid/same, odd sizes)",
  ignore,
  async fn() {
    const pools: [number, number, "valid" | "same", number[]][] = [
      [2, 2, "valid", [3, 24, 24, 5]],
      [2, 2, "valid", [2, 7, 9, 3]],
      [3, 2, "same", [2, 9, 8, 4]],
      [3, 1, "same", [2, 5, 6, 2]],
      [2, 2, "same", [1, 5, 5, 3]],
    ];
    for (const [k, st, pad, shape] of pools) {
      const x = randn(shape);
      const outShape = tf.tidy(() => tf.maxPool(z4(shape), k, st, pad).shape);
      await assertMatchesCpu(
        `maxPool ${k}x${k} s${st} ${pad} ${shape}`,
        [x],
        withGrads((a) => tf.maxPool(a as tf.Tensor4D, k, st, pad), outShape),
      );
    }
  },
});

Deno.test({
  name: "blas: Sum over leading axes matches cpu; other axes fall back",
  ignore,
  async fn() {
    const x = randn([4, 3, 5, 6]);
    const cases: [number | number[] | undefined, boolean][] = [
      [0, false],
      [[0, 1, 2], false],
      [[1, 0], true],
      [undefined, false],
      [[-4, -3], false],
      [1, false],
      [[2, 3], true],
    ];
    for (const [axis, keepDims] of cases) {
      await assertMatchesCpu(`sum axis=${axis} keepDims=${keepDims}`, [x], (a) => [
        tf.sum(a, axis, keepDims),
      ]);
    }
  },
});

Deno.test({
  name: "blas: the accelerated kernels call cblas_sgemm (no silent fallback)",
  ignore,
  fn() {
    const opened = openBlas(undefined, 1);
    assert.ok(opened.ok);
    const lib = opened.lib, sgemm = lib.sgemm;
    let calls = 0;
    lib.sgemm = (...args) => {
      calls++;
      sgemm(...args);
    };
    try {
      const count = (f: () => tf.TensorContainer) => {
        calls = 0;
        tf.tidy(f);
        return calls;
      };
      const a = tf.randomNormal([4, 6]), b = tf.randomNormal([6, 3]);
      assert.equal(count(() => tf.matMul(a, b, false, false)), 1);
      assert.equal(count(() => tf.matMul(b, a, true, true)), 1);
      assert.equal(
        count(() =>
          tf.fused.matMul({
            a: a as tf.Tensor2D,
            b: b as tf.Tensor2D,
            bias: tf.ones([3]),
            activation: "relu",
          })
        ),
        1,
      );
      const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D,
        f = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
      // forward, input gradient, filter gradient, and the full sum
      assert.equal(
        count(() =>
          tf.grads((u: tf.Tensor, v: tf.Tensor) =>
            tf.conv2d(u as tf.Tensor4D, v as tf.Tensor4D, 2, "same").sum()
          )([x, f])
        ),
        4,
      );
      assert.equal(count(() => tf.conv2d(x, f, 1, "valid", "NHWC", 2)), 0); // dilation: fallback
      assert.equal(count(() => tf.sum(x, [0, 1, 2])), 1);
      assert.equal(count(() => tf.sum(x, [3])), 0); // inner-axis sum: fallback
      tf.dispose([a, b, x, f]);
    } finally {
      lib.sgemm = sgemm;
    }
  },
});

Deno.test({
  name: "blas: unsupported conv (dilation 2) falls back to the previous kernel",
  ignore,
  async fn() {
    const x = randn([2, 9, 9, 3]), f = randn([3, 3, 3, 2]);
    await assertMatchesCpu("dilated conv", [x, f], (a, b) => [
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "valid", "NHWC", 2),
    ]);
  },
});

Deno.test({
  name: "blas: kernels are correct when the output allocation grows the wasm heap",
  ignore,
  async fn() {
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
    const before = heap().buffer.byteLength;
    const n = Math.ceil(Math.sqrt(before / 4)) + 64; // n×n floats > the whole current heap
    const a = tf.tensor2d(Float32Array.from({ length: n }, (_, i) => i % 7), [n, 1]);
    const b = tf.tensor2d(Float32Array.from({ length: n }, (_, i) => i % 5), [1, n]);
    const c = tf.matMul(a, b);
    assert.ok(heap().buffer.byteLength > before, "heap did not grow; test is vacuous");
    const v = await c.data();
    for (const i of [0, 1, n - 1, 12345 % n]) {
      for (const j of [0, 3, n - 1]) assert.equal(v[i * n + j], (i % 7) * (j % 5));
    }
    tf.dispose([a, b, c]);
  },
});

Deno.test({
  name: "blas: kernels leave no tensors behind; enabling twice and disabling restore kernels",
  ignore,
  async fn() {
    const x = tf.randomNormal([2, 6, 6, 3]) as tf.Tensor4D, f = tf.randomNormal([3, 3, 3, 4]);
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same").sum()
        )([x, f]);
      })
    );
    assert.equal((await tryEnableBlas({})).active, true);
    assert.equal((await tryEnableBlas({ threads: 1 })).active, true);
    assert.ok(blasActive());
    // Still falls through to the original kernel after re-registration (no self-wrapping).
    const y = tf.conv2d(x, f as tf.Tensor4D, 1, "valid", "NHWC", 2);
    assert.deepEqual(y.shape, [2, 2, 2, 4]);
    assert.equal(disableBlas().active, false);
    assert.ok(!blasActive());
    assert.ok((await tryEnableBlas({})).active);
    tf.dispose([x, f, y]);
  },
});

Deno.test("blas: a missing library gives a one-line reason, not an error", async () => {
  const r = openBlas("/nonexistent/libnothing.so", 1);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.ok(!r.reason.includes("\n"));
    assert.match(r.reason, /^BLAS acceleration is off: /);
  }
  const s = await tryEnableBlas({ library: "/nonexistent/libnothing.so" });
  assert.equal(s.active, false);
  assert.ok(!blasActive());
  if (available) assert.ok((await tryEnableBlas({})).active);
});

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

/**
 * Initialises the wasm backend in a child `deno run` with exactly `flags` and `env`, and returns
 * its exit code, stderr and what `initBackend` reported.
 */
async function backendInChild(flags: string[], env: Record<string, string> = {}) {
  const backend = new URL("../src/runtime/backend.ts", import.meta.url).href;
  const code = `import { initBackend } from "${backend}";
    const i = await initBackend("wasm", { verbose: true });
    console.log(JSON.stringify({ label: i.label, active: i.blas?.active, reason: i.blas?.reason }));`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, "-"],
    cwd: new URL("..", import.meta.url),
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(code));
  await w.close();
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  return {
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
    result: out.code === 0 ? JSON.parse(stdout.split("\n").at(-1)!) : null,
  };
}

Deno.test({
  name: "blas: without --allow-ffi the backend is plain wasm with a notice (no prompt)",
  ignore: !canRun,
  async fn() {
    const { code, stderr, result } = await backendInChild(["--allow-read", "--allow-env"]);
    assert.equal(code, 0, stderr);
    assert.equal(result.label, "wasm");
    assert.match(result.reason, /--allow-ffi/);
    assert.match(stderr, /prunebench: BLAS acceleration is off: FFI is not permitted/);
  },
});

Deno.test({
  name: "blas: PRUNEBENCH_BLAS=off keeps plain wasm kernels even with --allow-ffi",
  ignore: !canRun,
  async fn() {
    for (const value of ["off", "NONE"]) {
      const { code, stderr, result } = await backendInChild(
        ["--allow-read", "--allow-env", "--allow-ffi"],
        { PRUNEBENCH_BLAS: value },
      );
      assert.equal(code, 0, stderr);
      assert.deepEqual([result.label, result.active], ["wasm", false]);
      assert.match(result.reason, /PRUNEBENCH_BLAS=off/);
    }
  },
});
