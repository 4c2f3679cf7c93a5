/**
 * The results store: one folder per run under `results/<suite>/runs/<runId>/` holding
 * `config.json`, `history.csv`, `result.json`, `masks.json`, `model/` and finally a `done`
 * marker. A run without `done` is incomplete (killed) and is run again; a run with `done` is
 * skipped unless forced. Every file is written atomically.
 *
 * @module
 */
import { exists, writeFileAtomic } from "../util/fs.ts";
import type { RunConfig } from "./suite.ts";
import type { SizeReport } from "../metrics/size_latency.ts";

/** Provenance recorded with every result. */
export interface Provenance {
  /** Backend label, e.g. `wasm+blas`. */
  backend: string;
  /** tfjs version. */
  tfjsVersion: string;
  /** Deno version. */
  denoVersion: string;
  /** Git revision of the code (or `unknown`). */
  gitSha: string;
  /** BLAS library and threads when active. */
  blas: { library: string | null; threads: number } | null;
  /** Fused WebAssembly SIMD kernels active (absent in results written before they existed). */
  simd?: boolean;
  /** The dataset as the worker loaded it: where from, and the SHA-256 of its files. */
  data?: DataProvenance;
}

/** Where a run's dataset came from. */
export interface DataProvenance {
  /** Dataset id. */
  dataset: string;
  /** Where it was loaded from (folders, URLs, package; `generated` for synthetic data). */
  source: string;
  /** SHA-256 of the verified files, by file name (absent for generated data). */
  sha256?: Record<string, string>;
}

/** One evaluated operating point of a run (sizes as {@linkcode SizeReport} defines them). */
export interface PointResult extends
  Pick<
    SizeReport,
    "paramsDense" | "paramsMasked" | "paramsCompact" | "macsDense" | "macsMasked" | "macsCompact"
  > {
  /** Point label (`final`, `sparsity=0.9`, …). */
  point: string;
  /** Test accuracy in [0, 1] (NaN for regression). */
  acc: number;
  /** Test loss. */
  loss: number;
  /** Units of the gated groups at init, and kept. */
  unitsInit: number;
  /** Kept units (sum over gated groups). */
  unitsKept: number;
  /** Per-group initial widths, `-`-joined. */
  perLayerInit: string;
  /** Per-group kept widths, `-`-joined. */
  perLayerKept: string;
  /** Median latency per batch, ms. */
  latencyDenseMs: number;
  /** Median latency per batch of the compact network, ms. */
  latencyCompactMs: number;
  /** 25th–75th percentile of the per-repeat speedups (absent in results of older versions). */
  speedupInterval?: [number, number];
  /** Timed latency repeats (absent in results of older versions). */
  latencyRepeats?: number;
  /** Bytes of the exported model (model.json + weights), if exported. */
  modelBytes: number;
  /** Method-specific extras (e.g. HALO's sparsity over the paper's parameter set). */
  extra: Record<string, number | string>;
}

/** Everything a finished run records. */
export interface RunResult {
  /** Run id. */
  runId: string;
  /** Suite id. */
  suite: string;
  /** The resolved config. */
  config: RunConfig;
  /** Fully resolved hyperparameters (defaults + overrides). */
  hparams: Record<string, unknown>;
  /** `ok` or `failed`. */
  status: "ok" | "failed";
  /** Failure reason. */
  reason: string;
  /** Evaluated operating points (empty when failed). */
  points: PointResult[];
  /** Epochs completed. */
  epochs: number;
  /** Kept units settled over the last 20 % of epochs (see `convergence.ts`); absent in old runs. */
  structureConverged?: boolean | null;
  /** Training MACs actually spent, and the dense equivalent. */
  trainMacs: number;
  /** Training MACs of dense training with the same steps. */
  trainMacsDense: number;
  /** Wall time of the run in seconds. */
  wallSeconds: number;
  /** Versions and backend. */
  provenance: Provenance;
  /** ISO timestamps. */
  startedAt: string;
  /** ISO timestamp of the end. */
  finishedAt: string;
}

/** Paths of a suite's results. */
export class ResultStore {
  /** Root folder of the suite (`results/<suite>`). */
  readonly root: string;
  /** Creates a store rooted at `root`. */
  constructor(root: string) {
    this.root = root;
  }
  /** Folder of a run. */
  runDir(id: string): string {
    return `${this.root}/runs/${id}`;
  }
  /** True when the run finished (ok or failed). */
  isDone(id: string): Promise<boolean> {
    return exists(`${this.runDir(id)}/done`);
  }
  /** Prepares a clean folder for a run (removes leftovers of a killed attempt). */
  async begin(id: string, config: unknown): Promise<string> {
    const dir = this.runDir(id);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(dir, { recursive: true });
    await writeFileAtomic(`${dir}/config.json`, JSON.stringify(config, null, 2) + "\n");
    return dir;
  }
  /** Writes the result and then the done marker (the marker is what makes a run count). */
  async finish(result: RunResult): Promise<void> {
    const dir = this.runDir(result.runId);
    await Deno.mkdir(dir, { recursive: true });
    await writeFileAtomic(`${dir}/result.json`, JSON.stringify(result, null, 2) + "\n");
    await writeFileAtomic(`${dir}/done`, `${result.status}\n`);
  }
  /** Reads every finished run's result. */
  async readResults(): Promise<RunResult[]> {
    const out: RunResult[] = [];
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(`${this.root}/runs`)];
    } catch {
      return out;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (!e.isDirectory || !(await this.isDone(e.name))) continue;
      out.push(JSON.parse(await Deno.readTextFile(`${this.runDir(e.name)}/result.json`)));
    }
    return out;
  }
}

/**
 * A failed result for a run that produced none (crashed worker, configuration or data error). Its
 * hyperparameters are the resolved config's (so that it lands in the same `lambda` group as its
 * ok siblings); the stored config leaves out the resolved training config, as a finished run's.
 */
export function failedResult(
  id: string,
  suite: string,
  config: RunConfig & { train?: unknown },
  reason: string,
  provenance: RunResult["provenance"],
): RunResult {
  const now = new Date().toISOString();
  const { train: _train, ...stored } = config;
  return {
    runId: id,
    suite,
    config: stored,
    hparams: config.hparams,
    status: "failed",
    reason,
    points: [],
    epochs: 0,
    trainMacs: 0,
    trainMacsDense: 0,
    wallSeconds: 0,
    provenance,
    startedAt: now,
    finishedAt: now,
  };
}
