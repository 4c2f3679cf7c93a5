/**
 * Verified downloads: mirrors are tried in order; each body is streamed to a temporary file next
 * to the destination, verified, and only then renamed to the final name. A failed, interrupted,
 * stalled or corrupt download leaves no file behind.
 *
 * @module
 */
import { dirname } from "node:path";
import { DataIntegrityError } from "../util/errors.ts";

/** Raised when no mirror delivered a file (network errors, HTTP errors, timeouts). */
export class DownloadError extends Error {
  /** One line per mirror tried: `url: reason`. */
  readonly attempts: readonly string[];
  /** Creates a download error. */
  constructor(message: string, attempts: readonly string[]) {
    super(message);
    this.name = "DownloadError";
    this.attempts = attempts;
  }
}

/** Options of {@linkcode downloadVerified}. */
export interface DownloadOptions {
  /** `fetch` implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Abort when no data arrives for this many ms (also while waiting for headers). @default 30000 */
  timeoutMs?: number;
  /** Report progress on stderr. @default true */
  progress?: boolean;
  /** Expected size, for the progress display when the server sends no Content-Length. */
  expectedBytes?: number;
}

/**
 * Downloads the first of `urls` whose body passes `verify`, into `dest`. `verify` receives the
 * downloaded bytes and the URL and throws (typically a `DataIntegrityError`) to reject them.
 * Returns the URL used and what `verify` returned.
 *
 * Throws a {@linkcode DataIntegrityError} when some mirror answered with a corrupt file and no
 * mirror delivered a good one, otherwise a {@linkcode DownloadError} listing every attempt.
 *
 * @example
 * ```ts ignore
 * import { downloadVerified } from "./download.ts";
 * const { url } = await downloadVerified(
 *   ["https://example.org/a.gz", "https://mirror.example/a.gz"],
 *   "/tmp/cache/a.gz",
 *   async (bytes) => { if (bytes.length === 0) throw new Error("empty"); },
 * );
 * ```
 */
export async function downloadVerified<T>(
  urls: readonly string[],
  dest: string,
  verify: (bytes: Uint8Array, url: string) => Promise<T> | T,
  options: DownloadOptions = {},
): Promise<{ url: string; value: T }> {
  const attempts: string[] = [];
  let integrity: DataIntegrityError | null = null;
  await Deno.mkdir(dirname(dest), { recursive: true });
  for (const url of urls) {
    const tmp = `${dest}.part-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await fetchToFile(url, tmp, options);
      const value = await verify(await Deno.readFile(tmp), url);
      await Deno.rename(tmp, dest);
      return { url, value };
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      if (e instanceof DataIntegrityError) integrity = e;
      attempts.push(`${url}: ${(e as Error).message}`);
      if (options.progress !== false) {
        console.error(`Mirror failed: ${url}: ${(e as Error).message}`);
      }
    }
  }
  if (integrity) {
    throw new DataIntegrityError(
      dest,
      `No mirror delivered a valid "${dest}":\n${attempts.map((a) => `  - ${a}`).join("\n")}`,
    );
  }
  throw new DownloadError(
    `Cannot download "${dest}": every mirror failed:\n${
      attempts.map((a) => `  - ${a}`).join("\n")
    }\n` +
      `Check the network, or put the file into --data-dir.`,
    attempts,
  );
}

/** Streams one URL into `path`, aborting when no data arrives for `timeoutMs`. */
async function fetchToFile(url: string, path: string, options: DownloadOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30000;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new Error(`timed out: no data for ${timeoutMs} ms`)),
      timeoutMs,
    );
  };
  arm();
  const file = await Deno.open(path, { write: true, createNew: true });
  try {
    const res = await (options.fetch ?? fetch)(url, { signal: controller.signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    }
    const header = Number(res.headers.get("content-length"));
    const total = header > 0 ? header : options.expectedBytes ?? 0;
    const progress = new Progress(url, total, options.progress !== false);
    let received = 0;
    const reader = res.body.getReader();
    try {
      while (true) {
        arm();
        const { done, value } = await abortable(reader.read(), controller.signal);
        if (done) break;
        await writeAll(file, value);
        received += value.byteLength;
        progress.update(received);
      }
    } catch (e) {
      await reader.cancel().catch(() => {});
      throw e;
    }
    progress.done(received);
    if (header > 0 && received !== header) {
      throw new Error(`interrupted: received ${received} of ${header} bytes`);
    }
  } catch (e) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw e;
  } finally {
    clearTimeout(timer);
    file.close();
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await file.write(data.subarray(off));
}

/** Progress on stderr: a bar on a terminal, otherwise a plain line every 25% or 10 s. */
class Progress {
  #tty: boolean;
  #last = 0;
  #lastQuarter = 0;
  #enabled: boolean;
  #name: string;
  #total: number;
  #enc = new TextEncoder();

  constructor(url: string, total: number, enabled: boolean) {
    this.#enabled = enabled;
    this.#name = url.split("/").pop() ?? url;
    this.#total = total;
    let tty = false;
    try {
      tty = Deno.stderr.isTerminal();
    } catch { /* not available */ }
    this.#tty = tty;
    if (enabled) console.error(`Downloading ${url}${total ? ` (${mb(total)})` : ""}`);
  }

  update(received: number): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (this.#tty) {
      if (now - this.#last < 100) return;
      this.#last = now;
      const f = this.#total ? Math.min(1, received / this.#total) : 0;
      const bar = "#".repeat(Math.round(f * 30)).padEnd(30, " ");
      const pct = this.#total ? `${(f * 100).toFixed(0).padStart(3)}%` : "";
      this.#write(`\r[${bar}] ${pct} ${mb(received)}${this.#total ? ` / ${mb(this.#total)}` : ""}`);
      return;
    }
    const quarter = this.#total ? Math.floor((received / this.#total) * 4) : 0;
    if (quarter > this.#lastQuarter || now - this.#last > 10000) {
      if (this.#last !== 0 || quarter > this.#lastQuarter) {
        console.error(
          `  ${this.#name}: ${mb(received)}${this.#total ? ` / ${mb(this.#total)}` : ""}`,
        );
      }
      this.#lastQuarter = quarter;
      this.#last = now;
    }
  }

  done(received: number): void {
    if (!this.#enabled) return;
    if (this.#tty) this.#write("\n");
    console.error(`  ${this.#name}: done, ${mb(received)}`);
  }

  #write(s: string): void {
    try {
      Deno.stderr.writeSync(this.#enc.encode(s));
    } catch { /* ignore */ }
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
