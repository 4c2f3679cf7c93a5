/**
 * The CPU model, for provenance. Deno 2.9 reads `/proc/cpuinfo` only with `--allow-all` (a scoped
 * `--allow-read=/proc/cpuinfo` is refused: "Requires all access"), so under scoped permissions the
 * model comes from `lscpu` (Linux) or `sysctl` (macOS), when the process may run it.
 *
 * @module
 */

function canRun(command: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "run", command }).state === "granted";
  } catch {
    return false;
  }
}

function run(command: string, args: string[]): string | null {
  if (!canRun(command)) return null;
  try {
    const out = new Deno.Command(command, { args, stdout: "piped", stderr: "null" }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

/**
 * The CPU's model name (e.g. `Intel(R) Xeon(R) Processor`), or `null` when it cannot be told
 * with this process's permissions.
 *
 * @example
 * ```ts
 * import { cpuModel } from "./cpu.ts";
 * const m = cpuModel();
 * if (m !== null && m.trim() === "") throw new Error("empty model");
 * ```
 */
export function cpuModel(): string | null {
  try {
    const m = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/);
    if (m) return m[1].trim();
  } catch { /* not Linux, or no --allow-all */ }
  const lscpu = run("lscpu", [])?.match(/^Model name:\s*(.+)$/m);
  if (lscpu) return lscpu[1].trim();
  const mac = run("sysctl", ["-n", "machdep.cpu.brand_string"])?.trim();
  return mac || null;
}
