import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import { ARCHITECTURES, getArch } from "../src/models/registry.ts";
import { inferShapes } from "../src/models/build.ts";
import { withModelOptions } from "../src/models/options.ts";
import { cifarResNet } from "../src/models/archs/resnet.ts";
import { countParams } from "../src/metrics/counts.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";

await initBackend("cpu");

const PARAMS: Record<string, number> = {
  "lenet-300-100": 266_610,
  "lenet-5-caffe": 431_080,
  "lenet-5": 61_706,
  "vgg16-cifar": 14_728_266,
  "resnet-20": 272_474,
  "resnet-56": 855_770,
};

Deno.test("getArch() builds every registered architecture with its published parameter count", () => {
  assert.deepEqual(Object.keys(ARCHITECTURES).sort(), Object.keys(PARAMS).sort());
  for (const [id, n] of Object.entries(PARAMS)) {
    const s = inferShapes(getArch(id));
    assert.equal(s.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0), n, id);
    assert.equal(countParams(getArch(id)), n, id);
  }
  // HALO's CIFAR-100 ResNet-50 (n = 8) pins the bias-free convention: 764,404 (methods.md §6)
  assert.equal(countParams(cifarResNet("resnet-50", 8, 1, 100)), 764_404);
});

Deno.test("getArch() scales hidden widths but never inputs or classes", () => {
  const widths = (id: string, w: number) =>
    inferShapes(getArch(id, w)).groups.map((g) => g.size).join("-");
  assert.equal(widths("lenet-300-100", 0.5), "784-150-50");
  assert.equal(widths("lenet-5", 2), "12-32-800-240-168");
  assert.equal(widths("lenet-5-caffe", 0.5), "10-25-400-250");
  assert.equal(widths("vgg16-cifar", 0.25), "16-16-32-32-64-64-64-128-128-128-128-128-128");
  assert.equal(widths("resnet-20", 0.5), "8-8-8-16-16-16-32-32-32");
  assert.equal(inferShapes(getArch("resnet-56")).groups.length, 27);
  assert.equal(widths("lenet-300-100", 0.001), "784-1-1");
  for (const id of Object.keys(PARAMS)) {
    for (const w of [0.5, 2]) {
      const a = getArch(id, w);
      assert.equal(a.numClasses, 10);
      assert.deepEqual(a.inputShape, getArch(id).inputShape);
    }
    assert.ok(
      countParams(getArch(id, 0.5)) < PARAMS[id] && PARAMS[id] < countParams(getArch(id, 2)),
      id,
    );
  }
  assert.throws(() => getArch("vgg16-cifar", 0), RangeError);
});

Deno.test("Network.forward() gives [batch, 10] logits for every architecture", async () => {
  for (
    const [id, w] of [
      ["lenet-300-100", 1],
      ["lenet-5", 1],
      ["lenet-5-caffe", 1],
      ["vgg16-cifar", 0.125],
      ["resnet-20", 0.25],
      ["resnet-56", 0.125],
    ] as const
  ) {
    const net = new Network(getArch(id, w), { seed: 1 });
    await expectNoLeakedTensors(async () => {
      const y = tf.tidy(() =>
        net.forward(tf.zeros([2, ...net.arch.inputShape]), { training: id.startsWith("res") })
      );
      assert.deepEqual(y.shape, [2, 10], id);
      assert.ok((await y.data()).every(Number.isFinite), id);
      y.dispose();
    });
    net.dispose();
  }
});

Deno.test("resnet blocks gate only their inner convolution", () => {
  const a = getArch("resnet-20");
  const gated = inferShapes(a).groups;
  assert.ok(gated.every((g) => g.kind === "filter" && g.id.endsWith("_conv1")));
  assert.deepEqual(gated[3].consumers.map((s) => s.param), ["s2b1_conv2.w"]);
  const bad = structuredClone(a);
  const block = bad.layers[1];
  assert.ok(block.type === "residual" && block.body[1].type === "conv2d");
  block.body[1].gated = true;
  assert.throws(() => inferShapes(bad), /residual-stream/);
});

Deno.test("Network.clone() copies shapes, values and groups and stays usable", async () => {
  const net = new Network(getArch("lenet-5-caffe"), { seed: 2 });
  net.removeUnits("conv2", [0, 3, 7]);
  await expectNoLeakedTensors(async () => {
    const c = net.clone();
    assert.deepEqual(c.widths(), net.widths());
    assert.deepEqual([...c.inputSelection], [...net.inputSelection]);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 1);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(net.forward(x), c.forward(x)))));
    assert.equal((await d.data())[0], 0);
    c.removeUnits("fc1", [0, 1]);
    assert.equal(net.group("fc1").size, 500);
    assert.equal(c.group("fc1").size, 2);
    tf.dispose([x, d]);
    c.dispose();
  });
  net.dispose();
});

Deno.test("model options: He-normal init N(0, 2/fan_in) and bias-free convs (L0 reference)", () => {
  const spec = withModelOptions(getArch("lenet-5-caffe"), { init: "he-normal", convBias: false });
  const net = new Network(spec, { seed: 4 });
  const stats = (n: string) => {
    const v = Array.from(net.params.get(n)!.dataSync());
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
  };
  // fan_in: conv1 1·5·5, conv2 20·5·5, fc1 800, fc2 500 (kaiming_normal(fan_in) / L0Dense's
  // kaiming_normal(fan_out) of its [in, out] weights, both √(2/in)).
  for (
    const [n, fanIn, tol] of [["conv1.w", 25, 0.1], ["conv2.w", 500, 0.02], ["fc1.w", 800, 0.01]]
  ) {
    const s = stats(n as string);
    const want = Math.sqrt(2 / (fanIn as number));
    assert.ok(Math.abs(s.std / want - 1) < (tol as number), `${n}: std ${s.std} vs ${want}`);
    assert.ok(Math.abs(s.mean) < 4 * want / Math.sqrt(net.params.get(n as string)!.size));
  }
  assert.ok(!net.params.has("conv1.b") && !net.params.has("conv2.b"));
  assert.ok(net.params.has("fc1.b") && net.params.get("fc1.b")!.dataSync().every((b) => b === 0));
  assert.equal(countParams(spec), 431080 - 70);
  const y = tf.tidy(() => net.forward(tf.ones([2, 28, 28, 1])).shape);
  assert.deepEqual(y, [2, 10]);
  net.dispose();
  // Default: Glorot-uniform, |w| ≤ √(6/(fan_in + fan_out)); conv biases present.
  const g = new Network(getArch("lenet-5-caffe"), { seed: 4 });
  const lim = Math.sqrt(6 / (800 + 500));
  assert.ok(g.params.get("fc1.w")!.dataSync().every((w) => Math.abs(w) <= lim));
  assert.ok(g.params.has("conv1.b"));
  g.dispose();
  assert.throws(
    () => withModelOptions(getArch("lenet-5"), { init: "xavier" as "he-normal" }),
    /model.init must be one of "default", "he-normal", "torch-default": got "xavier"/,
  );
});

Deno.test("model options: torch-default init is U(±1/√fan_in) for weights and biases (nn.Linear)", () => {
  const net = new Network(withModelOptions(getArch("lenet-5"), { init: "torch-default" }), {
    seed: 5,
  });
  // fan_in: fc1 400 (16·5·5), conv2 6·5·5 = 150; U(±b) has std b/√3.
  for (const [n, fanIn] of [["fc1.w", 400], ["fc1.b", 400], ["conv2.w", 150], ["conv2.b", 150]]) {
    const v = Array.from(net.params.get(n as string)!.dataSync());
    const b = 1 / Math.sqrt(fanIn as number);
    assert.ok(v.every((x) => Math.abs(x) <= b), `${n} within ±${b}`);
    assert.ok(Math.max(...v.map(Math.abs)) > 0.9 * b, `${n} fills its range`);
    if (v.length > 1000) {
      const sd = Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
      assert.ok(Math.abs(sd / (b / Math.sqrt(3)) - 1) < 0.05, `${n}: sd ${sd}`);
    }
  }
  net.dispose();
});
