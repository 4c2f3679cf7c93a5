/**
 * Models benchmark: training-step throughput per architecture (width 1, batch 100, plain
 * forward + backward + Adam via `tf.train.adam().minimize`) and dense vs compact inference
 * latency of LeNet-300-100 and LeNet-5-Caffe with half of every gated group's units removed.
 *
 * Usage: `deno task bench:models [--backend wasm] [--steps 2] [--archs a,b] [--batch 100]`.
 * On wasm, ResNet-56 needs `--batch 64` or less: training keeps every activation, and the wasm32
 * heap stops at 4 GiB (2.8 GiB at batch 64). A failed allocation leaves the wasm module unusable,
 * so give such an architecture its own invocation.
 * Prints the load average first: the numbers are only comparable on an idle machine.
 *
 * @module
 */
import * as tf from "../src/deps/tfjs.ts";
import { parseArgs } from "node:util";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import { ARCHITECTURES, getArch } from "../src/models/registry.ts";
import { compact } from "../src/models/compact.ts";
import { latencyReport } from "../src/metrics/size_latency.ts";
import { countMacs, countParams } from "../src/metrics/counts.ts";
import { failureReason } from "../src/runtime/failure.ts";

/** Training samples per second of `net` on the active backend (1 warm-up step + `steps`). */
export async function trainThroughput(net: Network, batch: number, steps: number): Promise<number> {
  const opt = tf.train.adam(1e-3);
  const x = tf.randomUniform([batch, ...net.arch.inputShape], 0, 1, "float32", 1);
  const y = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([batch], 0, net.arch.numClasses, "int32", 2), net.arch.numClasses)
  );
  const vars = [...net.params.values()];
  const step = async () => {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, net.forward(x, { training: true })) as tf.Scalar,
      true,
      vars,
    );
    await loss!.data();
    loss!.dispose();
  };
  try {
    await step();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    return (batch * steps) / ((performance.now() - t0) / 1000);
  } finally {
    tf.dispose([x, y]);
    opt.dispose();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      backend: { type: "string", default: "wasm" },
      steps: { type: "string", default: "2" },
      archs: { type: "string" },
      batch: { type: "string", default: "100" },
    },
  });
  const info = await initBackend(values.backend);
  const steps = Number(values.steps);
  const batch = Number(values.batch);
  console.log(
    `backend ${info.label}, tfjs ${info.tfjsVersion}, load average ${
      Deno.loadavg().map((v) => v.toFixed(2)).join(" ")
    }`,
  );
  console.log(
    `\n| architecture | params | MACs/example | train samples/s (batch ${batch}) |\n|---|---:|---:|---:|`,
  );
  for (
    const id of (values.archs?.split(",") ?? Object.keys(ARCHITECTURES)).filter((a) => a !== "")
  ) {
    const net = new Network(getArch(id), { seed: 1 });
    let cell: string;
    try {
      cell = (await trainThroughput(net, batch, steps)).toFixed(1);
    } catch (e) {
      cell = `failed: ${failureReason(e).split("\n")[0]}`;
    }
    console.log(
      `| ${id} | ${countParams(net).toLocaleString("en")} | ${
        countMacs(net).toLocaleString("en")
      } | ${cell} |`,
    );
    net.dispose();
  }
  console.log(
    "\n| architecture | widths (compact) | dense ms | compact ms | measured speedup | theoretical |\n|---|---|---:|---:|---:|---:|",
  );
  for (
    const [id, inputs] of [["lenet-300-100", true], ["lenet-300-100", false], [
      "lenet-5-caffe",
      true,
    ], ["lenet-5-caffe", false]] as const
  ) {
    const net = new Network(getArch(id), { seed: 1 });
    // half of every group's units (every other one); `inputs: false` leaves input groups whole
    const half = net.groups.filter((g) => inputs || g.kind !== "input");
    const keep = new Map(
      half.map((g) => [g.id, Uint8Array.from({ length: g.size }, (_, i) => (i % 2 ? 0 : 1))]),
    );
    const small = compact(net, { keep });
    const r = await latencyReport(net, small, { batch: 100, repeats: 10, warmup: 2 });
    const theo = countMacs(net) / countMacs(small);
    console.log(
      `| ${id} | ${small.widths().join("-")} | ${r.latencyDenseMs.toFixed(2)} | ${
        r.latencyCompactMs.toFixed(2)
      } | ` +
        `${r.measuredSpeedup.toFixed(2)}× | ${theo.toFixed(2)}× |`,
    );
    small.dispose();
    net.dispose();
  }
  console.log(`\nload average after: ${Deno.loadavg().map((v) => v.toFixed(2)).join(" ")}`);
}
