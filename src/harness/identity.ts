/**
 * What a run's id hashes: its *fully resolved* config. Method hyperparameters with the method's
 * defaults filled in, the recipe with its defaults filled in, the training engine's resolved
 * config (optimizer, fine-tuning and evaluation defaults), dataset, architecture, width, seed,
 * backend, and the user method modules as the suite names them (relative to the suite file, so a
 * checkout in another folder or on another machine gives the same ids). Changing any default
 * therefore gives new ids and the affected runs are re-run, never silently reused.
 *
 * @module
 */
import type { MethodSpec } from "../methods/types.ts";
import { resolveConfig } from "../methods/registry.ts";
import { type ResolvedTrainConfig, resolveTrainConfig, type TrainConfig } from "../train/config.ts";
import type { RecipeSpec, RunConfig } from "./suite.ts";

/** Latency measurement of a recipe without `latency`. */
export const DEFAULT_LATENCY: Readonly<{ batch: number; repeats: number }> = {
  batch: 100,
  repeats: 10,
};

/** The training config of a run's recipe. */
export function trainConfigOf(c: RunConfig): TrainConfig {
  const r = c.recipe;
  return {
    epochs: r.epochs,
    batchSize: r.batchSize,
    optimizer: r.optimizer,
    schedule: r.schedule,
    ema: r.ema ?? null,
    augment: r.augment ?? "none",
    normalize: r.normalize ?? false,
    maxStepsPerEpoch: r.maxStepsPerEpoch,
    seed: c.seed,
  };
}

/** A recipe with every optional field that has a default filled in. */
export function resolveRecipe(r: RecipeSpec): RecipeSpec {
  return {
    ...r,
    schedule: r.schedule ?? { kind: "constant" },
    ema: r.ema ?? null,
    augment: r.augment ?? "none",
    normalize: r.normalize ?? false,
    latency: r.latency ?? { ...DEFAULT_LATENCY },
  };
}

/**
 * A fully resolved run config: hyperparameters and recipe with their defaults, the training
 * engine's resolved config, and the backend. It is what the worker receives and, with the method
 * modules as the suite writes them, what the run id hashes; nothing resolves it again.
 */
export type ResolvedRunConfig = RunConfig & { backend: string; train: ResolvedTrainConfig };

/** A resolved run config plus what its id hashes. */
export interface ResolvedRun {
  /** The resolved run config (what the worker gets; module paths as the worker imports them). */
  config: ResolvedRunConfig;
  /**
   * The object whose canonical JSON (with the format version) is hashed into the run id: `config`
   * with the method modules as the suite writes them.
   */
  identity: ResolvedRunConfig;
}

/**
 * Resolves a run of a validated suite. `modulesAsWritten` are the suite's `methodModules` as its
 * author wrote them (hashed instead of the absolute URLs the worker imports).
 */
export function resolveRun(
  c: RunConfig,
  spec: MethodSpec<object>,
  backend: string,
  modulesAsWritten?: readonly string[],
): ResolvedRun {
  const { config: hparams, problems } = resolveConfig(spec, c.hparams);
  if (problems.length) throw new TypeError(`Cannot resolve an unvalidated run: ${problems[0]}`);
  const resolved = {
    ...c,
    hparams: hparams as Record<string, unknown>,
    recipe: resolveRecipe(c.recipe),
  };
  const config = { ...resolved, backend, train: resolveTrainConfig(trainConfigOf(resolved)) };
  const { methodModules: _absolute, ...rest } = config;
  return {
    config,
    identity: {
      ...rest,
      ...(modulesAsWritten?.length ? { methodModules: [...modulesAsWritten] } : {}),
    },
  };
}
