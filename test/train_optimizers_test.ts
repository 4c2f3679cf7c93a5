import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { Optimizer, resolveOptimizer } from "../src/train/optimizers.ts";
import { makeSchedule } from "../src/train/schedules.ts";
import { Ema } from "../src/train/ema.ts";
import { ConfigError } from "../src/util/errors.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";

await tf.setBackend("cpu");
tf.enableProdMode();

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${a[i]} vs ${b[i]} at ${i}`);
  }
};

/** Runs `steps` updates of p from p0 with the given gradients; returns p after each step. */
function run(
  config: Parameters<typeof resolveOptimizer>[0],
  p0: number[],
  grads: number[][],
  factor = 1,
): number[][] {
  const p = tf.variable(tf.tensor1d(p0));
  const opt = new Optimizer();
  const cfg = resolveOptimizer(config);
  const out: number[][] = [];
  for (const g of grads) {
    const gt = tf.tensor1d(g);
    opt.step("p", p, gt, cfg, factor);
    gt.dispose();
    out.push([...p.dataSync()]);
  }
  opt.dispose();
  p.dispose();
  return out;
}

Deno.test("adam: first two steps match the closed form (bias-corrected, PyTorch)", () => {
  const [b1, b2, eps, lr] = [0.9, 0.999, 1e-8, 0.01];
  const p0 = [1, -2], g1 = [0.5, -0.1], g2 = [-0.3, 0.2];
  const out = run({ kind: "adam", lr }, p0, [g1, g2]);
  const exp1 = p0.map((p, i) => {
    const m = (1 - b1) * g1[i], v = (1 - b2) * g1[i] ** 2;
    return p - lr * (m / (1 - b1)) / (Math.sqrt(v / (1 - b2)) + eps);
  });
  close(out[0], exp1);
  const exp2 = exp1.map((p, i) => {
    const m = b1 * (1 - b1) * g1[i] + (1 - b1) * g2[i];
    const v = b2 * (1 - b2) * g1[i] ** 2 + (1 - b2) * g2[i] ** 2;
    return p - lr / (1 - b1 ** 2) * m / (Math.sqrt(v) / Math.sqrt(1 - b2 ** 2) + eps);
  });
  close(out[1], exp2);
});

Deno.test("adam: l2 decay enters the gradient, decoupled decay (AdamW) scales the parameter", () => {
  const lr = 0.1, wd = 0.5, p0 = [2], g = [1];
  // l2: g' = 1 + 0.5·2 = 2 → first Adam step moves by lr·sign(g')
  close(run({ kind: "adam", lr, weightDecay: wd }, p0, [g])[0], [2 - lr], 1e-5);
  // decoupled: p·(1 − lr·wd) − lr
  close(run({ kind: "adam", lr, weightDecay: wd, weightDecayMode: "decoupled" }, p0, [g])[0], [
    2 * (1 - lr * wd) - lr,
  ], 1e-5);
  // with an l2 gradient that changes sign the two differ: g = −0.5, l2 → g' = 0.5
  close(run({ kind: "adam", lr, weightDecay: wd }, p0, [[-0.5]])[0], [2 - lr], 1e-5);
});

Deno.test("sgd: plain, momentum (buffer = g at first step) and Nesterov", () => {
  const lr = 0.1, mu = 0.9, g1 = 1, g2 = 2;
  close(run({ kind: "sgd", lr }, [0], [[g1], [g2]]).flat(), [-0.1, -0.3]);
  // torch: b1 = g1, b2 = μ·b1 + g2
  const b1 = g1, b2 = mu * b1 + g2;
  close(run({ kind: "sgd", lr, momentum: mu }, [0], [[g1], [g2]]).flat(), [
    -lr * b1,
    -lr * b1 - lr * b2,
  ]);
  // Nesterov: d = g + μ·b
  const d1 = g1 + mu * b1, d2 = g2 + mu * b2;
  close(run({ kind: "sgd", lr, momentum: mu, nesterov: true }, [0], [[g1], [g2]]).flat(), [
    -lr * d1,
    -lr * d1 - lr * d2,
  ]);
});

Deno.test("sgd: l2 vs decoupled weight decay, and the schedule factor", () => {
  const lr = 0.1, wd = 0.01;
  close(run({ kind: "sgd", lr, weightDecay: wd }, [3], [[1]])[0], [3 - lr * (1 + wd * 3)]);
  close(run({ kind: "sgd", lr, weightDecay: wd, weightDecayMode: "decoupled" }, [3], [[1]])[0], [
    3 * (1 - lr * wd) - lr,
  ]);
  close(run({ kind: "sgd", lr }, [0], [[1]], 0.5)[0], [-0.05]);
  close(run({ kind: "sgd", lr, schedule: false }, [0], [[1]], 0.5)[0], [-0.1]);
  close(run({ kind: "sgd", lr, schedulePower: 2 }, [0], [[1]], 0.5)[0], [-0.025]);
});

Deno.test("optimizer: shrink gathers state so the next step equals the gathered full step", async () => {
  for (
    const config of [{ kind: "adam" as const, lr: 0.01 }, {
      kind: "sgd" as const,
      lr: 0.1,
      momentum: 0.9,
    }]
  ) {
    const cfg = resolveOptimizer(config);
    const keep = Int32Array.from([0, 2]);
    const g1 = tf.tensor2d([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]),
      g2 = tf.tensor2d([[1, 0, -1], [2, 0, 3]]);
    const g2s = tf.gather(g2, keep, 1);
    await expectNoLeakedTensors(() => {
      const v = (make: () => tf.Tensor) => tf.tidy(() => tf.variable(make())); // no stray sources
      const full = v(() => tf.tensor2d([[1, 2, 3], [4, 5, 6]]));
      const other = v(() => full.clone());
      const opt = new Optimizer(), opt2 = new Optimizer();
      opt.step("w", full, g1, cfg);
      opt2.step("w", other, g1, cfg);
      const small = v(() => tf.gather(other, keep, 1)); // like Network.removeUnits
      opt2.shrink("w", { axis: 1, indices: keep });
      assert.deepEqual(opt2.stateShape("w"), [2, 2]);
      opt.step("w", full, g2, cfg);
      opt2.step("w", small, g2s, cfg);
      const expected = tf.tidy(() => tf.gather(full, keep, 1));
      close(small.dataSync(), expected.dataSync());
      expected.dispose();
      assert.equal(opt2.stepCount("w"), 2);
      assert.throws(() => opt2.step("w", full, g2, cfg), RangeError); // mismatched state refused
      opt.dispose();
      opt2.dispose();
      tf.dispose([full, other, small]);
    });
    tf.dispose([g1, g2, g2s]);
  }
});

Deno.test("resolveOptimizer: defaults and every problem at once", () => {
  const c = resolveOptimizer({ kind: "sgd", lr: 0.1 });
  assert.equal(c.momentum, 0);
  assert.equal(c.weightDecayMode, "l2");
  assert.throws(() => resolveOptimizer({ kind: "sgd", lr: 1, nesterov: true }), ConfigError);
  try {
    resolveOptimizer({ kind: "sgd", lr: -1, momentum: 1.5, weightDecay: -1 });
  } catch (e) {
    assert.equal((e as ConfigError).problems.length, 3);
  }
});

Deno.test("schedules: constant, multistep in epochs, cosine to minLr, warm-up", () => {
  const plan = { stepsPerEpoch: 10, totalSteps: 100, baseLr: 0.1 };
  assert.equal(makeSchedule({ kind: "constant" }, plan)(57), 1);
  const ms = makeSchedule({ kind: "multistep", milestones: [5, 8], gamma: 0.2 }, plan);
  assert.equal(ms(49), 1);
  close([ms(50), ms(79), ms(80), ms(99)], [0.2, 0.2, 0.04, 0.04]);
  const cos = makeSchedule({ kind: "cosine", minLr: 0.01 }, plan);
  close([cos(0), cos(50), cos(100)], [1, (1 + 0.1) / 2, 0.1]);
  const wu = makeSchedule({ kind: "constant", warmupEpochs: 1 }, plan);
  close([wu(0), wu(4), wu(9), wu(10)], [0.1, 0.5, 1, 1]);
  const cw = makeSchedule({ kind: "cosine", warmupEpochs: 2 }, plan);
  close([cw(19), cw(20), cw(60), cw(100)], [1, 1, 0.5, 0]);
  assert.throws(
    () => makeSchedule({ kind: "multistep", milestones: [1], gamma: 0 }, plan),
    ConfigError,
  );
  assert.throws(() => makeSchedule({ kind: "step" } as never, plan), ConfigError);
});

Deno.test("ema: bias-corrected average, swap in and back, shrink", () => {
  const v = tf.variable(tf.tensor1d([1, 2, 3]));
  const ema = new Ema(0.9);
  const vars = new Map([["v", v]]);
  ema.update(vars);
  v.assign(tf.tensor1d([3, 4, 5]));
  ema.update(vars);
  // shadow = 0.9·0.1·x0 + 0.1·x1, corrected by 1 − 0.81
  const exp = [1, 2, 3].map((x0, i) => (0.09 * x0 + 0.1 * [3, 4, 5][i]) / 0.19);
  const before = tf.memory().numTensors;
  const restore = ema.swapIn(vars);
  close(v.dataSync(), exp);
  restore();
  close(v.dataSync(), [3, 4, 5]);
  assert.equal(tf.memory().numTensors, before);
  ema.shrink("v", { axis: 0, indices: Int32Array.from([0, 2]) });
  assert.deepEqual(ema.shape("v"), [2]);
  assert.throws(() => ema.update(vars), RangeError);
  ema.dispose();
  v.dispose();
  assert.throws(() => new Ema(1), RangeError);
});
