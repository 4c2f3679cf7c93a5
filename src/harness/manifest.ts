/**
 * Provenance: versions, backend, machine and git revision, written to `manifest.json` and into
 * every result.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { writeFileAtomic } from "../util/fs.ts";
import type { Provenance } from "./store.ts";

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
  try {
    const cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/);
    if (cpu) m.cpu = cpu[1];
  } catch { /* not Linux or no read permission */ }
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
