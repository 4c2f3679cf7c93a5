/**
 * Provenance: versions, backend, machine and git revision, written to `manifest.json` and into
 * every result.
 *
 * @module
 */
import { cpuModel } from "../util/cpu.ts";
import * as tf from "../deps/tfjs.ts";
import { writeFileAtomic } from "../util/fs.ts";
import type { Provenance, RunResult } from "./store.ts";
import { listDatasets } from "../data/mod.ts";
import { defaultDataDir } from "../data/sources.ts";

/** Git revision of the working tree (`unknown` outside a checkout or without permission). */
export async function gitSha(): Promise<string> {
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "--short=12", "HEAD"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return "unknown";
    const sha = new TextDecoder().decode(out.stdout).trim();
    const dirty = await new Deno.Command("git", {
      args: ["status", "--porcelain", "--untracked-files=no"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(dirty.stdout).trim() ? `${sha}-dirty` : sha;
  } catch {
    return "unknown";
  }
}

/** Machine description (CPU count, OS, memory) where permitted. */
export function machine(): Record<string, unknown> {
  const m: Record<string, unknown> = {
    os: Deno.build.os,
    arch: Deno.build.arch,
    cores: navigator.hardwareConcurrency,
  };
  try {
    m.memoryGiB = Math.round(Deno.systemMemoryInfo().total / 2 ** 30);
    m.hostname = Deno.hostname();
  } catch { /* --allow-sys not granted */ }
  const cpu = cpuModel();
  if (cpu) m.cpu = cpu;
  return m;
}

/** Provenance before the backend is initialised in the workers (the parent's view). */
export async function collectProvenance(
  backend: string,
): Promise<Provenance & { machine: Record<string, unknown> }> {
  return {
    backend,
    tfjsVersion: tf.version.tfjs,
    denoVersion: Deno.version.deno,
    gitSha: await gitSha(),
    blas: null,
    machine: machine(),
  };
}

/**
 * What the workers actually ran on, from their results' provenance: the backend label(s) (e.g.
 * `wasm+blas`; several when runs of the store differ) and the BLAS library of those that used one.
 * The parent process never initialises a backend, so its own view says only what was requested.
 */
export function workerProvenance(
  provenances: readonly Provenance[],
): { backend: string | null; blas: Provenance["blas"] } {
  const labels = [...new Set(provenances.map((p) => p.backend))].sort();
  const blas = provenances.find((p) => p.blas)?.blas ?? null;
  return { backend: labels.length ? labels.join(",") : null, blas };
}

/** One `bench` invocation on a results folder (a sweep resumed three times has four). */
export interface Invocation {
  /** ISO start time. */
  startedAt: string;
  /** ISO end time; `null` while running, or when the process was killed before it finished. */
  finishedAt: string | null;
  /** Wall time in seconds; `null` until finished. */
  wallSeconds: number | null;
  /** Runs started (not skipped) by this invocation. */
  ran: number;
  /** Runs skipped because they were already finished. */
  skipped: number;
  /** Worker processes. */
  jobs: number | undefined;
  /** Shard selector, e.g. `2/8`, or `null`. */
  shard: string | null;
  /** True when SIGINT/SIGTERM stopped it. */
  interrupted: boolean;
}

/**
 * The invocations recorded in `root/manifest.json` by earlier `bench` calls, so that resuming a
 * sweep keeps the timing of every part of it. A manifest written before invocations were
 * recorded becomes one invocation; a missing or unreadable manifest gives none (it is provenance,
 * never needed to resume).
 */
export async function previousInvocations(root: string): Promise<Invocation[]> {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(await Deno.readTextFile(`${root}/manifest.json`));
  } catch {
    return [];
  }
  if (Array.isArray(m.invocations)) return m.invocations as Invocation[];
  if (typeof m.startedAt !== "string") return [];
  return [{
    startedAt: m.startedAt,
    finishedAt: typeof m.finishedAt === "string" ? m.finishedAt : null,
    wallSeconds: typeof m.wallSeconds === "number" ? m.wallSeconds : null,
    ran: NaN,
    skipped: NaN,
    jobs: typeof m.jobs === "number" ? m.jobs : undefined,
    shard: typeof m.shard === "string" ? m.shard : null,
    interrupted: m.interrupted === true,
  }];
}

/** Writes `manifest.json` atomically. */
export async function writeManifest(
  root: string,
  manifest: Record<string, unknown>,
): Promise<void> {
  await writeFileAtomic(`${root}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
}

/** A dataset's entry in `manifest.json`. */
export interface DataEntry {
  /** The data directory in effect (`--data-dir` / `$PRUNEBENCH_DATA_DIR`), or null. */
  dataDir: string | null;
  /** Where the files are to be loaded from, as `list datasets` shows it. */
  plannedSource: string;
  /** True when a data directory is set but does not hold the dataset (it comes from elsewhere). */
  fallback: boolean;
  /** Where the workers loaded it from (after runs finished). */
  source?: string;
  /** SHA-256 of its files, as the workers verified them. */
  sha256?: Record<string, string>;
}

/** Where each dataset will be loaded from, and whether that falls back from the data directory. */
export function plannedData(
  datasets: readonly string[],
  dataDir?: string,
): Record<string, DataEntry> {
  const dir = defaultDataDir({ dataDir }) ?? null;
  const rows = listDatasets({ dataDir: dir ?? undefined });
  const out: Record<string, DataEntry> = {};
  for (const id of datasets) {
    const row = rows.find((r) => r.id === id);
    const plannedSource = id.startsWith("imagefolder:") ? id.slice(12) : row?.source ?? "unknown";
    const generated = id.startsWith("synthetic:") || id.startsWith("imagefolder:");
    const fallback = dir !== null && !generated &&
      !plannedSource.split(", ").every((s) => s.startsWith(dir));
    out[id] = { dataDir: dir, plannedSource, fallback };
  }
  return out;
}

/** `planned` completed with the source and SHA-256 the workers recorded. */
export function loadedData(
  planned: Record<string, DataEntry>,
  results: readonly RunResult[],
): Record<string, DataEntry> {
  const out = structuredClone(planned);
  for (const r of results) {
    const d = r.provenance.data;
    if (!d || !out[d.dataset] || out[d.dataset].source) continue;
    out[d.dataset].source = d.source;
    if (d.sha256) out[d.dataset].sha256 = d.sha256;
  }
  return out;
}
