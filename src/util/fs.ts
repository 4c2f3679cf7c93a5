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

const TMP = /\.tmp-\d+-[a-z0-9]+$/;

/**
 * Removes the temporary files `writeFileAtomic` leaves when its process is killed mid-write
 * (`<name>.tmp-<pid>-<random>`) anywhere under `dir`; call it only while no other process writes
 * there (e.g. holding the folder's lock). Returns how many were removed.
 */
export async function removeStaleTemporaries(dir: string): Promise<number> {
  let removed = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) removed += await removeStaleTemporaries(path);
    else if (TMP.test(e.name)) {
      await Deno.remove(path, { recursive: true });
      removed++;
    }
  }
  return removed;
}
