/**
 * What the data says about the pruning levels the suite asks for and about the papers' claims,
 * written by code from runs.csv.
 *
 * Pruning levels (the default suite's design goal, issue 13): at its strongest setting each
 * unit-gating method should remove ≥ 50 % of LeNet-300-100's hidden units and ≥ 40 % of
 * LeNet-5-Caffe's conv filters + fc units at width 1 ("hidden" = every gate group except a dense
 * layer's input group, e.g. the 784 pixels or LeNet-5-Caffe's 800 flattened features, whose
 * count follows from the filters). HALO prunes weights: its level is the weight sparsity of its
 * operating points.
 *
 * Paper claims: each entry names the paper, the claim, where the claim comes from
 * (`../shared/docs/methods.md` provenance tags) and a check over the suite's runs. A check
 * answers `reproduced`, `not reproduced` or `cannot judge` (the suite did not run what the claim
 * needs) with the numbers it used. The suite's recipe is shared by every method (10-epoch-scale
 * budgets, not the papers' 200 epochs), so a claim that fails here may hold under the paper's
 * recipe: `deno task validate:methods` and `validate:reference` check them with those recipes.
 *
 * @module
 */

import type { Run } from "./load.ts";
import { groupBy, mean, panelOf } from "./aggregate.ts";
import { type Setting, settingsOf, type Stat } from "./settings.ts";
import { ROBUST_MAX_CV, widthSweeps } from "./robustness.ts";
import { denseReference } from "./leaderboard.ts";
import { getArch } from "../models/registry.ts";
import { inferShapes } from "../models/build.ts";
import { keptOver } from "../metrics/width_scaled.ts";

/** Unit-gating learned methods and the fraction of hidden units each must reach, per arch. */
export const PRUNING_GOALS: Readonly<Record<string, number>> = {
  "lenet-300-100": 0.5,
  "lenet-5-caffe": 0.4,
};

/** The learned methods that remove units (HALO prunes weights). */
export const UNIT_GATING = ["l0-hc", "diffprune", "vbp", "dam"] as const;

/** {@linkcode hiddenPositions} per architecture id (shape inference once per report). */
const HIDDEN = new Map<string, number[] | null>();

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
/** An accuracy in [0, 1] as the findings write it (`97.53 %`). */
export const accPct = (x: number): string => `${(x * 100).toFixed(2)} %`;

/**
 * Positions of an architecture's per-layer counts that are hidden units (every gate group but a
 * dense layer's inputs); `null` for an architecture the registry does not know.
 *
 * @example
 * ```ts
 * import { hiddenPositions } from "./claims.ts";
 * if (hiddenPositions("lenet-300-100")?.join() !== "1,2") throw new Error();
 * ```
 */
export function hiddenPositions(arch: string): number[] | null {
  if (!HIDDEN.has(arch)) {
    let pos: number[] | null;
    try {
      const kinds = inferShapes(getArch(arch, 1)).groups.map((g) => g.kind);
      pos = kinds.flatMap((k, i) => (k === "input" ? [] : [i]));
    } catch {
      pos = null;
    }
    HIDDEN.set(arch, pos);
  }
  return HIDDEN.get(arch)!;
}

/** Fraction of hidden units removed by a setting (mean over seeds); `NaN` when unknown. */
export function hiddenRemoved(s: Setting): number {
  const pos = hiddenPositions(s.arch);
  if (!pos) return NaN;
  const init = keptOver(s.perLayerInit, pos, NaN);
  const kept = mean(s.runs.map((r) => keptOver(r.perLayerKept, pos, NaN)));
  return init > 0 ? 1 - kept / init : NaN;
}

/**
 * One paragraph per architecture on the pruning levels reached at width 1: each unit-gating
 * method's most-pruned setting against the goal, and HALO's weight sparsity range.
 *
 * @example
 * ```ts
 * import { pruningLevels } from "./claims.ts";
 * if (pruningLevels([]).length !== 0) throw new Error();
 * ```
 */
export function pruningLevels(runs: readonly Run[]): string[] {
  const out: string[] = [];
  const at1 = settingsOf(runs).filter((s) => s.initWidth === 1);
  for (const [panel, ss] of groupBy(at1, panelOf)) {
    const goal = PRUNING_GOALS[ss[0].arch];
    const parts: string[] = [];
    const reached: string[] = [], missed: string[] = [];
    for (const m of UNIT_GATING) {
      const mine = ss.filter((s) => s.method === m).map((s) => ({ s, f: hiddenRemoved(s) }))
        .filter((x) => Number.isFinite(x.f));
      if (mine.length === 0) continue;
      const top = mine.reduce((a, b) => (b.f > a.f ? b : a));
      const text = `${m} ${pct(top.f)} (${top.s.strength || "its one setting"}, accuracy ` +
        `${accPct(top.s.acc.mean)})`;
      (goal === undefined || top.f >= goal ? reached : missed).push(text);
    }
    if (reached.length + missed.length > 0) {
      const goalText = goal === undefined ? "" : ` (goal ≥ ${pct(goal)})`;
      parts.push(
        `${panel} at width 1, most hidden units removed by each unit-gating method${goalText}: ` +
          (goal === undefined
            ? reached.join("; ")
            : missed.length === 0
            ? `every one reached it: ${reached.join("; ")}`
            : `reached by ${reached.length ? reached.join("; ") : "none"}; ` +
              `not reached by ${missed.join("; ")}`) +
          ".",
      );
    }
    const halo = ss.filter((s) => s.method === "halo" && s.runs[0].point.startsWith("sparsity="));
    if (halo.length) {
      const sp = halo.map((s) => 1 - s.weightsKept.mean);
      parts.push(
        `HALO's operating points on ${panel}: ${pct(Math.min(...sp))} to ${pct(Math.max(...sp))} ` +
          "of weights pruned.",
      );
    }
    out.push(...parts);
  }
  return out;
}

/** A check's verdict. */
export type Verdict = "reproduced" | "not reproduced" | "cannot judge";

/** A paper's claim and its check over the runs. */
export interface Claim {
  /** Method id. */
  method: string;
  /** The paper, short. */
  paper: string;
  /** The claim, one sentence. */
  claim: string;
  /** Where the claim comes from (methods.md provenance). */
  source: string;
  /** The verdict and the numbers behind it. */
  check(runs: readonly Run[]): { verdict: Verdict; evidence: string };
}

const judge = (ok: boolean): Verdict => (ok ? "reproduced" : "not reproduced");

/** VBP: kept units independent of the initial width. */
const vbpWidth: Claim = {
  method: "vbp",
  paper: "Guenter & Sideris 2022",
  claim: "the final kept units do not depend on the initial width",
  source: "abstract [abs]; methods.md §B",
  check(runs) {
    const sweeps = widthSweeps(runs.filter((r) => r.method === "vbp"))
      .filter((s) => s.robust !== null);
    if (sweeps.length === 0) {
      return { verdict: "cannot judge", evidence: "no vbp setting ran at ≥ 3 widths" };
    }
    const ev = sweeps.map((s) =>
      `${panelOf(s)} ${s.strength}: kept ${
        s.kept.map((k) => Math.round(k.mean)).join("/")
      } at widths ${s.widths.map((w) => w.initWidth).join("/")}, CV ${s.cv.toFixed(2)} ` +
      `(criterion ≤ ${ROBUST_MAX_CV})`
    );
    return { verdict: judge(sweeps.every((s) => s.robust)), evidence: ev.join("; ") };
  },
};

/** VBP: kept units similar across seeds. */
const vbpSeeds: Claim = {
  method: "vbp",
  paper: "Guenter & Sideris 2022",
  claim: "the final kept units are similar across seeds (seed sd ≤ 10 % of the mean)",
  source: "methods.md §B",
  check(runs) {
    const ss = settingsOf(runs.filter((r) => r.method === "vbp")).filter((s) => s.runs.length > 1);
    if (ss.length === 0) return { verdict: "cannot judge", evidence: "no vbp setting has 2 seeds" };
    const rel = ss.map((s) => ({ s, r: s.units.sd / s.units.mean }));
    const worst = rel.reduce((a, b) => (b.r > a.r ? b : a));
    return {
      verdict: judge(rel.every((x) => x.r <= 0.1)),
      evidence: `largest seed sd / mean of kept units ${pct(worst.r)} ` +
        `(${
          panelOf(worst.s)
        } ${worst.s.strength} width ${worst.s.initWidth}) over ${ss.length} settings`,
    };
  },
};

/**
 * A warning when an accuracy passes the `pt` budget by less than the seed noise of the difference
 * (√(sd² + sd_dense²) of the means' sample sds): the verdict could flip with other seeds.
 */
function marginNote(acc: Stat, dense: Stat, pt: number): string {
  const margin = acc.mean - (dense.mean - pt / 100);
  const noise = Math.sqrt(acc.sd ** 2 + dense.sd ** 2);
  if (!(noise > 0) || margin >= noise) return "";
  return `; marginal: it passes by ${(100 * margin).toFixed(2)} pt, within the seed noise ` +
    `(sd of the difference ${(100 * noise).toFixed(2)} pt)`;
}

/** A method keeps dense accuracy (within `pt`) while removing ≥ `removed` of hidden units. */
function accurateAndSmall(method: string, pt: number, removed: number) {
  return (runs: readonly Run[]) => {
    const out: string[] = [];
    let any = false, ok = false;
    for (const [panel, ss] of groupBy(settingsOf(runs), panelOf)) {
      const ref = denseReference(ss);
      const mine = ss.filter((s) => s.method === method && s.initWidth === 1);
      if (!ref || mine.length === 0) continue;
      any = true;
      const good = mine.filter((s) => s.acc.mean >= ref.acc.mean - pt / 100)
        .map((s) => ({ s, f: hiddenRemoved(s) })).filter((x) => Number.isFinite(x.f));
      const best = good.length ? good.reduce((a, b) => (b.f > a.f ? b : a)) : null;
      if (best && best.f >= removed) ok = true;
      out.push(
        best
          ? `${panel}: within ${pt} pt of dense (${accPct(ref.acc.mean)}), at most ${
            pct(best.f)
          } ` +
            `of hidden units removed (${best.s.strength}, ${accPct(best.s.acc.mean)})` +
            (best.f >= removed ? marginNote(best.s.acc, ref.acc, pt) : "")
          : `${panel}: no setting within ${pt} pt of dense (${accPct(ref.acc.mean)})`,
      );
    }
    if (!any) {
      return { verdict: "cannot judge" as Verdict, evidence: `no ${method} and dense runs` };
    }
    return { verdict: judge(ok), evidence: out.join("; ") };
  };
}

/** HALO: more accurate than magnitude pruning of a net trained without HALO, no fine-tuning. */
const haloVsMagnitude: Claim = {
  method: "halo",
  paper: "Seto et al. 2021",
  claim: "at 90–95 % global magnitude pruning without fine-tuning, a HALO-trained net is more " +
    "accurate than one trained without HALO's penalty",
  source: "methods.md §B (the paper's central claim)",
  check(runs) {
    const ss = settingsOf(runs).filter((s) => s.initWidth === 1);
    const pairs: string[] = [];
    let wins = 0, n = 0;
    for (const target of ["sparsity=0.9", "sparsity=0.95"]) {
      for (const [panel, group] of groupBy(ss, panelOf)) {
        const point = (s: Setting) => s.runs[0].point === target;
        const plain = group.find((s) =>
          s.method === "magnitude" && point(s) &&
          /"granularity":"weight"/.test(s.runs[0].hparams) &&
          /"fineTuneEpochs":0/.test(s.runs[0].hparams)
        );
        const halo = group.filter((s) => s.method === "halo" && point(s));
        if (!plain || halo.length === 0) continue;
        const best = halo.reduce((a, b) => (b.acc.mean > a.acc.mean ? b : a));
        n++;
        if (best.acc.mean > plain.acc.mean) wins++;
        pairs.push(
          `${panel} ${target}: HALO ${accPct(best.acc.mean)} (${best.strength}) vs ` +
            `${accPct(plain.acc.mean)}`,
        );
      }
    }
    if (n === 0) {
      return {
        verdict: "cannot judge",
        evidence: "needs halo and magnitude (granularity weight, fineTuneEpochs 0) at width 1",
      };
    }
    return { verdict: judge(wins === n), evidence: pairs.join("; ") };
  },
};

/** Every claim the suite's data can speak to. */
export const CLAIMS: readonly Claim[] = [
  vbpWidth,
  vbpSeeds,
  {
    method: "vbp",
    paper: "Guenter & Sideris 2022",
    claim:
      "parsimonious nets at the dense net's accuracy (within 0.5 pt, ≥ 50 % hidden units removed)",
    source: "abstract [abs]; methods.md §B",
    check: accurateAndSmall("vbp", 0.5, 0.5),
  },
  {
    method: "l0-hc",
    paper: "Louizos et al. 2018",
    claim: "structured sparsity at about the dense accuracy (within 0.5 pt, ≥ 25 % hidden units " +
      "removed; the paper's 219-214-100 at 1.4 % error needs 200 epochs)",
    source: "Table 1 [recall]; methods.md §C",
    check: accurateAndSmall("l0-hc", 0.5, 0.25),
  },
  {
    method: "dam",
    paper: "Bu et al. 2021",
    claim:
      "pruning during training without fine-tuning at about the dense accuracy (within 1 pt, " +
      "≥ 25 % hidden units removed)",
    source: "methods.md §C [proposal]",
    check: accurateAndSmall("dam", 1, 0.25),
  },
  haloVsMagnitude,
];

/**
 * One paragraph per claim: `**reproduced**` / `**not reproduced**` / `cannot judge`, the claim,
 * its source and the numbers.
 *
 * @example
 * ```ts
 * import { claimFindings } from "./claims.ts";
 * if (!claimFindings([])[0].includes("cannot judge")) throw new Error();
 * ```
 */
export function claimFindings(runs: readonly Run[]): string[] {
  const methods = new Set(runs.map((r) => r.method));
  return CLAIMS.filter((c) => runs.length === 0 || methods.has(c.method)).map((c) => {
    const { verdict, evidence } = c.check(runs);
    const v = verdict === "cannot judge" ? verdict : `**${verdict}**`;
    return `Paper claim, ${c.method} (${c.paper}: ${c.claim}; ${c.source}): ${v}. ${evidence}.`;
  });
}
