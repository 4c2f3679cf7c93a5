/**
 * `imagefolder:<path>` datasets, like torchvision's `ImageFolder`: class sub-folders of PNG/JPEG
 * files, either directly (`<class>/<file>`, all in train) or under `train/` and `test/`
 * (`train/<class>/<file>`). `<path>` is a directory or a `.tar`, `.tar.gz`/`.tgz` archive of such
 * a tree, read and decoded in memory. A single common top folder (e.g. `CIFAR-10-images/`) is
 * skipped.
 *
 * Classes are sorted by name (label = index). Unlike torchvision, records are interleaved across
 * classes (record k = image ⌊k/C⌋ of class k mod C when classes are balanced), so first-k subsets
 * stay balanced; for the CIFAR-10 JPEG copy this is the record order its README documents.
 *
 * @module
 */
import { basename, join } from "node:path";
import { DataIntegrityError } from "../util/errors.ts";
import { CIFAR10_JPEG_SHA256, MANIFESTS } from "./manifest.ts";
import { channelStats, decodeImage } from "./decode.ts";
import { readTar } from "./tar.ts";
import type { Dataset } from "./types.ts";
import { gunzip, isGzip, sha256Hex } from "./verify.ts";

/** An image file found in the tree. */
interface ImageEntry {
  parts: string[];
  read: () => Uint8Array;
}

const IMAGE_RE = /\.(png|jpe?g)$/i;
const SPLITS = ["train", "test"];

async function listDirectory(root: string): Promise<ImageEntry[]> {
  const out: ImageEntry[] = [];
  const walk = async (dir: string, parts: string[]) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.startsWith(".")) continue;
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p, [...parts, e.name]);
      else if (e.isFile && IMAGE_RE.test(e.name)) {
        out.push({ parts: [...parts, e.name], read: () => Deno.readFileSync(p) });
      }
    }
  };
  await walk(root, []);
  return out;
}

function listArchive(bytes: Uint8Array, path: string): ImageEntry[] {
  const tar = isGzip(bytes) ? gunzip(bytes, path) : bytes;
  const out: ImageEntry[] = [];
  for (const e of readTar(tar, path)) {
    const parts = e.name.split("/").filter((p) => p !== "");
    if (e.type !== "file" || !IMAGE_RE.test(e.name) || parts.some((p) => p.startsWith("."))) {
      continue;
    }
    const data = e.data;
    out.push({ parts, read: () => data });
  }
  return out;
}

/** Groups entries into split → class → files (sorted), after skipping a common top folder. */
function group(entries: ImageEntry[], path: string): Map<string, Map<string, ImageEntry[]>> {
  if (entries.length === 0) {
    throw new DataIntegrityError(path, `Cannot find any PNG/JPEG image in "${path}"`);
  }
  let skip = 0;
  while (
    entries.every((e) => e.parts.length - skip >= 3 && e.parts[skip] === entries[0].parts[skip]) &&
    !SPLITS.includes(entries[0].parts[skip])
  ) skip++;
  const depth = entries[0].parts.length - skip;
  const bad = entries.find((e) => e.parts.length - skip !== depth);
  const splitMode = depth === 3 && entries.every((e) => SPLITS.includes(e.parts[skip]));
  if (bad || !(depth === 2 || splitMode)) {
    throw new DataIntegrityError(
      path,
      `Unsupported image folder layout in "${path}": expected <class>/<image> or ` +
        `{train,test}/<class>/<image>, found "${(bad ?? entries[0]).parts.join("/")}"`,
    );
  }
  const splits = new Map<string, Map<string, ImageEntry[]>>();
  for (const e of entries) {
    const rel = e.parts.slice(skip);
    const split = splitMode ? rel[0] : "train";
    const cls = rel[rel.length - 2];
    if (!splits.has(split)) splits.set(split, new Map());
    const classes = splits.get(split)!;
    if (!classes.has(cls)) classes.set(cls, []);
    classes.get(cls)!.push(e);
  }
  for (const classes of splits.values()) {
    for (const list of classes.values()) {
      list.sort((a, b) => cmp(a.parts.join("/"), b.parts.join("/")));
    }
  }
  return splits;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Interleaves classes round-robin; returns [entry, label] pairs. */
function interleave(
  classes: Map<string, ImageEntry[]>,
  names: string[],
): Array<[ImageEntry, number]> {
  const lists = names.map((n) => classes.get(n) ?? []);
  const longest = Math.max(0, ...lists.map((l) => l.length));
  const out: Array<[ImageEntry, number]> = [];
  for (let i = 0; i < longest; i++) {
    lists.forEach((l, c) => {
      if (i < l.length) out.push([l[i], c]);
    });
  }
  return out;
}

interface Shape {
  height: number;
  width: number;
  channels: 1 | 3;
}

function decodeSplit(
  items: Array<[ImageEntry, number]>,
  shape: Shape,
  path: string,
): { x: Uint8Array; y: Uint8Array; n: number } {
  const { height, width, channels } = shape;
  const size = height * width * channels;
  const x = new Uint8Array(items.length * size);
  const y = new Uint8Array(items.length);
  items.forEach(([entry, label], i) => {
    const name = `${path}:${entry.parts.join("/")}`;
    const img = decodeImage(entry.read(), name);
    if (img.width !== width || img.height !== height) {
      throw new DataIntegrityError(
        name,
        `Image "${name}" is ${img.width}x${img.height}, expected ${width}x${height} like the ` +
          `first image (all images of an image folder must have the same size)`,
      );
    }
    if (img.channels === 3 && channels === 1) {
      throw new DataIntegrityError(
        name,
        `Image "${name}" is in colour but the first image is greyscale: mixed image folders are ` +
          `not supported; convert all images to the same mode`,
      );
    }
    const src = img.data, sc = img.srcChannels, o = i * size;
    const pixels = height * width;
    if (sc === channels) x.set(src.subarray(0, size), o);
    else if (channels === 1) { for (let p = 0; p < pixels; p++) x[o + p] = src[p * sc]; }
    else {
      for (let p = 0; p < pixels; p++) {
        const s = p * sc, d = o + p * 3;
        x[d] = src[s];
        x[d + 1] = src[sc === 1 ? s : s + 1];
        x[d + 2] = src[sc === 1 ? s : s + 2];
      }
    }
    y[i] = label;
  });
  return { x, y, n: items.length };
}

/** Options of {@linkcode loadImageFolder}. */
export interface ImageFolderOptions {
  /** Keep only the first k training images (after interleaving). */
  trainLimit?: number;
  /** Keep only the first k test images. */
  testLimit?: number;
}

/**
 * Loads an image folder (directory or tar/tar.gz archive) into uint8 NHWC splits.
 *
 * @example
 * ```ts ignore
 * import { loadImageFolder } from "./imagefolder.ts";
 * const ds = await loadImageFolder("data/cifar10-jpeg/CIFAR-10-images-jpg.tar.gz");
 * console.log(ds.label, ds.train.n, ds.test.n); // "CIFAR-10 (JPEG q75 copy)" 50000 10000
 * ```
 */
export async function loadImageFolder(
  path: string,
  options: ImageFolderOptions = {},
): Promise<Dataset> {
  const info = await Deno.stat(path).catch(() => null);
  if (!info) {
    throw new DataIntegrityError(
      path,
      `Cannot find image folder "${path}": no such file or directory`,
    );
  }
  let entries: ImageEntry[];
  let sha256: Record<string, string> | undefined;
  if (info.isDirectory) entries = await listDirectory(path);
  else {
    const bytes = await Deno.readFile(path);
    sha256 = { [basename(path)]: await sha256Hex(bytes) };
    entries = listArchive(bytes, path);
  }
  const splits = group(entries, path);
  const classNames = [...(splits.get("train") ?? splits.get("test"))!.keys()].sort(cmp);
  for (const [split, classes] of splits) {
    const extra = [...classes.keys()].filter((c) => !classNames.includes(c));
    if (extra.length) {
      throw new DataIntegrityError(
        path,
        `Image folder "${path}": ${split}/ has classes missing from train/: ${extra.join(", ")}`,
      );
    }
  }
  const limit = (items: Array<[ImageEntry, number]>, k?: number) =>
    k === undefined ? items : items.slice(0, k);
  const trainItems = limit(
    interleave(splits.get("train") ?? new Map(), classNames),
    options.trainLimit,
  );
  const testItems = limit(
    interleave(splits.get("test") ?? new Map(), classNames),
    options.testLimit,
  );
  const first = trainItems[0] ?? testItems[0];
  const probe = decodeImage(first[0].read(), `${path}:${first[0].parts.join("/")}`);
  const shape: Shape = { height: probe.height, width: probe.width, channels: probe.channels };
  const isCifarJpeg = sha256 !== undefined && Object.values(sha256)[0] === CIFAR10_JPEG_SHA256;
  const train = decodeSplit(trainItems, shape, path);
  return {
    id: `imagefolder:${path}`,
    label: isCifarJpeg ? "CIFAR-10 (JPEG q75 copy)" : `Image folder (${basename(path)})`,
    inputShape: [shape.height, shape.width, shape.channels],
    numClasses: classNames.length,
    classNames,
    train,
    test: decodeSplit(testItems, shape, path),
    source: path,
    normalization: isCifarJpeg
      ? MANIFESTS.cifar10.normalization
      : channelStats(train.x, shape.channels),
    sha256,
  };
}
