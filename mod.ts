/**
 * prunebench: learned neural-network pruning on TensorFlow.js, with a benchmark harness.
 *
 * The pieces, in data-flow order:
 * - runtime: {@linkcode initBackend} (wasm with our training kernels and optional native BLAS,
 *   cpu, webgpu, tfjs-node);
 * - data: {@linkcode loadDataset} (verified MNIST, Fashion-MNIST, CIFAR-10, image folders,
 *   synthetic tasks) and {@linkcode batches};
 * - models: {@linkcode getArch} (architectures as data at any width), {@linkcode Network},
 *   {@linkcode compact} (physically smaller networks) and {@linkcode exportModel} (tfjs
 *   LayersModel format);
 * - methods: the {@linkcode PruningMethod} interface, {@linkcode METHODS} and
 *   {@linkcode getMethod};
 * - training: {@linkcode train};
 * - metrics: {@linkcode countParams}, {@linkcode countMacs}, {@linkcode archString},
 *   {@linkcode measureLatency};
 * - harness: {@linkcode bench} over a {@linkcode SuiteSpec}, with your own methods too.
 *
 * @example Train LeNet-300-100 with L0 gates on a synthetic task and compact it
 * ```ts
 * import { createMethodContext, getArch, getMethod, initBackend, loadDataset, Network, resolveConfig, Rng, train, compact } from "./mod.ts";
 * await initBackend("cpu");
 * const data = await loadDataset("synthetic:teacher", { trainLimit: 500, testLimit: 200 });
 * const arch = getArch("lenet-300-100", 0.25);
 * if (data.inputShape.join() !== arch.inputShape.join()) throw new Error("shape");
 * const net = new Network(arch, { seed: 1 });
 * const config = { epochs: 1, batchSize: 100, optimizer: { kind: "adam" as const, lr: 1e-3 } };
 * const spec = getMethod("l0-hc");
 * const method = spec.create(createMethodContext(net, data, config, new Rng(1)), resolveConfig(spec, { lambda: 1 }).config);
 * const result = await train(net, method, data, config);
 * const small = compact(net, { keep: result.points[0].keep });
 * console.log(result.points[0].acc, small.widths());
 * small.dispose(); method.dispose(); net.dispose();
 * ```
 *
 * @module
 */
export { BACKENDS, type BackendInfo, type BackendName, backendInfo, type BackendOptions, initBackend } from "./src/runtime/backend.ts";
export { batches, type BatchOptions, type Dataset, type DataSplit, listDatasets, loadDataset, type LoadOptions } from "./src/data/mod.ts";
export type { ArchSpec, ConvSpec, DenseSpec, LayerSpec, ResidualSpec } from "./src/models/spec.ts";
export { ARCHITECTURES, getArch } from "./src/models/registry.ts";
export { type ForwardOptions, Network } from "./src/models/network.ts";
export type { GateGroup, RemovalPlan } from "./src/models/groups.ts";
export { compact, type CompactOptions } from "./src/models/compact.ts";
export { exportModel, type ExportResult } from "./src/models/export.ts";
export type {
  Granularity,
  MethodContext,
  MethodSpec,
  OperatingPoint,
  OptimizerConfig,
  PruningMethod,
  StepInfo,
  VariableGroup,
} from "./src/methods/types.ts";
export { getMethod, METHODS, resolveConfig } from "./src/methods/registry.ts";
export { train } from "./src/train/loop.ts";
export { createMethodContext } from "./src/train/context.ts";
export type { TrainConfig } from "./src/train/config.ts";
export type { EpochRecord, TrainResult } from "./src/train/types.ts";
export { archString, countMacs, countParams, measureLatency } from "./src/metrics/mod.ts";
export { bench, type BenchOptions, planRuns } from "./src/harness/bench.ts";
export { expandSuite, type RecipeSpec, type RunConfig, type SuiteSpec } from "./src/harness/suite.ts";
export { Rng } from "./src/util/rng.ts";
export { ConfigError, DataIntegrityError, DivergenceError } from "./src/util/errors.ts";
