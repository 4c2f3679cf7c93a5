/**
 * Test helpers for the dataset tests: fixture manifests (checksums of the 100-record fixtures),
 * staging fixtures under canonical file names, and a tiny ustar writer.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { sha256Hex } from "../../src/data/verify.ts";
import type { DatasetManifest, FileSpec } from "../../src/data/types.ts";
import { MANIFESTS } from "../../src/data/manifest.ts";

/** Directory of the fixtures. */
export const FIXTURES = new URL(".", import.meta.url).pathname;

/** Reads a fixture file. */
export function fixture(name: string): Uint8Array<ArrayBuffer> {
  return Deno.readFileSync(join(FIXTURES, name));
}

/** Fixture file (gz) for a dataset and kind. */
export function fixtureName(base: "mnist" | "fashion-mnist", kind: "images" | "labels"): string {
  return `${base}-t10k-first100-${kind}-idx${kind === "images" ? 3 : 1}-ubyte.gz`;
}

const ROLE_KIND: Record<string, "images" | "labels"> = {
  trainImages: "images",
  trainLabels: "labels",
  testImages: "images",
  testLabels: "labels",
};

/**
 * A manifest like the real one of `base`, but whose four files are the 100-record fixtures
 * (train and test both = the fixture), no embedded sources and the given mirrors.
 */
export async function fixtureManifest(
  base: "mnist" | "fashion-mnist",
  mirrors: string[] = [],
): Promise<DatasetManifest> {
  const real = MANIFESTS[base];
  const files: Record<string, FileSpec> = {};
  for (const [role, spec] of Object.entries(real.files)) {
    const gz = fixture(fixtureName(base, ROLE_KIND[role]));
    const raw = gunzipSync(gz);
    files[role] = {
      ...spec,
      sha256: await sha256Hex(raw),
      bytes: raw.length,
      downloadBytes: gz.length,
    };
  }
  return { ...real, train: 100, test: 100, files, mirrors, embedded: [] };
}

/** The fixture bytes to serve for a canonical remote file name (e.g. `t10k-labels-idx1-ubyte.gz`). */
export function fixtureFor(
  base: "mnist" | "fashion-mnist",
  remote: string,
): Uint8Array<ArrayBuffer> {
  return fixture(fixtureName(base, remote.includes("images") ? "images" : "labels"));
}

/** Copies the fixtures into `dir` under the canonical `.gz` names. */
export async function stageFixtures(dir: string, base: "mnist" | "fashion-mnist"): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const spec of Object.values(MANIFESTS[base].files)) {
    await Deno.writeFile(join(dir, spec.remote), fixtureFor(base, spec.remote));
  }
}

/** Builds an uncompressed ustar archive of files and directories (names < 100 chars). */
export function makeTar(entries: Array<{ name: string; data?: Uint8Array }>): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const e of entries) {
    const h = new Uint8Array(512);
    const put = (s: string, off: number) => h.set(enc.encode(s), off);
    const isDir = e.data === undefined;
    const size = e.data?.length ?? 0;
    put(e.name, 0);
    put(isDir ? "0000755\0" : "0000644\0", 100);
    put("0000000\0", 108);
    put("0000000\0", 116);
    put(size.toString(8).padStart(11, "0") + "\0", 124);
    put("00000000000\0", 136);
    put("        ", 148);
    put(isDir ? "5" : "0", 156);
    put("ustar\0", 257);
    put("00", 263);
    const sum = h.reduce((a, b) => a + b, 0);
    put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    blocks.push(h);
    if (e.data) {
      const padded = new Uint8Array(Math.ceil(size / 512) * 512);
      padded.set(e.data);
      blocks.push(padded);
    }
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((a, b) => a + b.length, 0));
  let off = 0;
  for (const b of blocks) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}
