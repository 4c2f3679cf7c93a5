/**
 * The worker process of `bench`: runs one run from its config.json, writes its outputs and the
 * done marker, and reports progress on stdout (`progress {"epoch":…,"epochs":…}` lines). Run as a
 * main module (`deno run … worker.ts <config.json>`) it is the entry of `bench`'s default worker
 * command (see `worker_command.ts`).
 *
 * @module
 */
import { initBackend } from "../runtime/backend.ts";
import { describeBlas } from "../runtime/blas/mod.ts";
import { loadDataset } from "../data/mod.ts";
import { ResultStore } from "./store.ts";
import { executeRun } from "./run.ts";
import { failedResult } from "./bench.ts";
import { gitSha } from "./manifest.ts";
import type { ResolvedRunConfig } from "./identity.ts";
import { failureReason } from "../runtime/failure.ts";

/** Runs the run described by `configPath`; returns the exit code (0 also for a failed run). */
export async function runWorker(configPath: string | undefined): Promise<number> {
  if (!configPath) {
    throw new TypeError("Cannot start a worker: the path of a run's config.json is required");
  }
  const cfg = JSON.parse(await Deno.readTextFile(configPath)) as ResolvedRunConfig & {
    runId: string;
    suite: string;
    backend: string;
    dataDir: string | null;
    identity?: unknown;
    gitSha?: string;
  };
  const dir = configPath.replace(/\/config\.json$/, "");
  const store = new ResultStore(dir.replace(/\/runs\/[^/]+$/, ""));
  const info = await initBackend(cfg.backend, { verbose: true });
  const provenance = {
    backend: info.label,
    tfjsVersion: info.tfjsVersion,
    denoVersion: Deno.version.deno,
    gitSha: cfg.gitSha ?? await gitSha(), // from the parent: workers may not run git
    blas: info.blas?.active
      ? { library: info.blas.library, threads: info.blas.threads, detail: describeBlas(info.blas) }
      : null,
    simd: info.simd,
  };
  const { runId, suite, backend: _b, dataDir, identity: _i, gitSha: _g, ...config } = cfg;
  try {
    const dataset = await loadDataset(config.dataset, {
      dataDir: dataDir ?? undefined,
      trainLimit: config.recipe.trainLimit,
      testLimit: config.recipe.testLimit,
      seed: config.seed,
      progress: false,
    });
    const data = { dataset: config.dataset, source: dataset.source, sha256: dataset.sha256 };
    const result = await executeRun({
      runId,
      suite,
      config,
      dir,
      provenance: { ...provenance, data },
      onEpoch: (epoch, epochs) => console.log(`progress ${JSON.stringify({ epoch, epochs })}`),
    }, dataset);
    try {
      const models = [...Deno.readDirSync(`${dir}/model`)].map((e) => e.name).sort();
      const last = result.points.at(-1)?.point.replace(/[^A-Za-z0-9._=-]/g, "_") ?? models.at(-1);
      if (last) await Deno.copyFile(`${dir}/model/${last}/masks.json`, `${dir}/masks.json`);
    } catch { /* failed before export */ }
    await store.finish(result);
  } catch (e) {
    // configuration or data errors: record them as a failed run too, with the message
    const reason = failureReason(e);
    await store.finish(
      failedResult(runId, suite, config, reason, provenance),
    );
  }
  return 0;
}

if (import.meta.main) Deno.exit(await runWorker(Deno.args[0]));
