/**
 * Datasets for prunebench: MNIST, Fashion-MNIST, CIFAR-10, image folders and seeded synthetic
 * tasks — verified, cached, and offline wherever a package ships the data.
 *
 * @example
 * ```ts ignore
 * import * as tf from "../deps/tfjs.ts";
 * import { batches, loadDataset, splitValidation } from "./mod.ts";
 * const ds = splitValidation(await loadDataset("mnist"), 0.1, 43);
 * for (const { x, y } of batches(ds.train, ds, { batchSize: 100, shuffle: true, seed: 1, flatten: true })) {
 *   // train on x, y …
 *   tf.dispose([x, y]);
 * }
 * ```
 *
 * @module
 */
export type {
  BatchOptions,
  Dataset,
  DatasetListing,
  DatasetManifest,
  DataSplit,
  FileSpec,
  LoadOptions,
} from "./types.ts";
export { DATASET_IDS, listDatasets, loadDataset } from "./registry.ts";
export { assembleInputs, batches, CROP_PADDING, epochOrder, splitValidation } from "./batches.ts";
export {
  CIFAR10_JPEG_SHA256,
  DEBIAN_FASHION_MNIST_DIR,
  MANIFESTS,
  MIRROR_HOSTS,
} from "./manifest.ts";
export { defaultCacheDir, defaultDataDir } from "./sources.ts";
export { DownloadError, downloadVerified } from "./download.ts";
export { parseIdx, parseIdxPair } from "./idx.ts";
export { parseCifarFiles, parseCifarRecords, parseCifarTar } from "./cifar.ts";
export { readTar } from "./tar.ts";
export { loadImageFolder } from "./imagefolder.ts";
export { channelStats, decodeImage } from "./decode.ts";
export { lowRankTask, teacherTask } from "./synthetic.ts";
export { sha256Hex } from "./verify.ts";
