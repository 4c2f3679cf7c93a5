/**
 * File helpers: atomic writes (temp file + rename), so a killed process never leaves a partial
 * file under the final name.
 *
 * @module
 */

/**
 * Writes a file atomically: a temporary sibling is written, then renamed over the target.
 *
 * @example
 * ```ts ignore
 * await writeFileAtomic("results/x/runs.csv", "a,b\n1,2\n");
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** True when the path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
