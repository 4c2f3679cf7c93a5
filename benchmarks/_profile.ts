/**
 * Per-kernel profile of training steps for `deno task perf --profile`: `tf.profile` over a few
 * steps, kernel wall times summed by kernel name and divided by the step count. On wasm every
 * kernel is synchronous, so a kernel's wall time is its compute time. Our kernel rewrites call the
 * backend's kernels directly (outside the engine), so nothing is counted twice.
 *
 * @module
 */
import * as tf from "../src/deps/tfjs.ts";
import { stringify } from "../src/deps/csv.ts";

/** Time of one kernel per training step in one configuration. */
export interface KernelTime {
  variant: string;
  net: string;
  gated: boolean;
  kernel: string;
  /** Milliseconds per step spent in this kernel. */
  ms_per_step: number;
  /** Calls per step. */
  calls_per_step: number;
}

/** Profiles `steps` calls of `step` and returns the per-kernel times, largest first. */
export async function profileSteps(
  step: () => Promise<void>,
  steps: number,
  label: Pick<KernelTime, "variant" | "net" | "gated">,
): Promise<KernelTime[]> {
  const info = await tf.profile(async () => {
    for (let i = 0; i < steps; i++) await step();
  });
  const by = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls += 1;
    by.set(k.name, e);
  }
  return [...by.entries()]
    .map(([kernel, e]) => ({
      ...label,
      kernel,
      ms_per_step: e.ms / steps,
      calls_per_step: e.calls / steps,
    }))
    .sort((a, b) => b.ms_per_step - a.ms_per_step);
}

/**
 * Prints, per net (gated), one table: kernel × variant in ms/step, the `top` largest kernels of
 * the first variant and the rest summed as "other", with totals.
 */
export function printProfile(rows: KernelTime[], top = 12): void {
  const variants = [...new Set(rows.map((r) => r.variant))];
  for (const net of new Set(rows.map((r) => r.net))) {
    const of = rows.filter((r) => r.net === net);
    const ms = (v: string, k: string) =>
      of.find((r) => r.variant === v && r.kernel === k)?.ms_per_step ?? 0;
    const order = [...new Set(of.map((r) => r.kernel))]
      .sort((a, b) =>
        Math.max(...variants.map((v) => ms(v, b))) - Math.max(...variants.map((v) => ms(v, a)))
      );
    const shown = order.slice(0, top);
    const total = (v: string) =>
      of.filter((r) => r.variant === v).reduce((s, r) => s + r.ms_per_step, 0);
    const other = (v: string) => total(v) - shown.reduce((s, k) => s + ms(v, k), 0);
    const body = [
      ...shown.map((k) => [k, ...variants.map((v) => ms(v, k).toFixed(2))]),
      ["(other)", ...variants.map((v) => other(v).toFixed(2))],
      ["total", ...variants.map((v) => total(v).toFixed(2))],
    ];
    const header = [`${net} gated: kernel`, ...variants.map((v) => `${v} ms/step`)];
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (c: string[]) =>
      c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
    console.log();
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const b of body) console.log(line(b));
  }
}

/** The profile as CSV (one row per variant × net × kernel). */
export function profileCsv(rows: KernelTime[]): string {
  return stringify(
    rows.map((r) => [
      r.variant,
      r.net,
      String(r.gated),
      r.kernel,
      Number(r.ms_per_step.toFixed(4)),
      Number(r.calls_per_step.toFixed(2)),
    ]),
    {
      header: true,
      columns: ["variant", "net", "gated", "kernel", "ms_per_step", "calls_per_step"],
    },
  );
}
