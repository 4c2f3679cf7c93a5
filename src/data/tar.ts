/**
 * A small in-memory reader of ustar/GNU/pax tar archives (regular files and directories; GNU
 * long names and pax `path` records are honoured). Enough for dataset archives; not a general
 * tar implementation (no sparse files, no base-256 sizes).
 *
 * @module
 */
import { DataIntegrityError } from "../util/errors.ts";
import { FIX_DELETE } from "./verify.ts";

/** One archive member. */
export interface TarEntry {
  /** Path inside the archive, without a leading `./`. */
  name: string;
  /** `"file"`, `"directory"` or `"other"` (links, devices…). */
  type: "file" | "directory" | "other";
  /** Content (a view into the archive; empty for non-files). */
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function str(b: Uint8Array, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const end = s.indexOf(0);
  return decoder.decode(end < 0 ? s : s.subarray(0, end));
}

function octal(b: Uint8Array, off: number, len: number): number {
  const s = str(b, off, len).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

/**
 * Iterates over the members of an uncompressed tar archive held in memory.
 *
 * @example
 * ```ts
 * import { readTar } from "./tar.ts";
 * const empty = new Uint8Array(1024); // two zero blocks: the end-of-archive marker
 * if ([...readTar(empty, "x.tar")].length !== 0) throw new Error("expected no entries");
 * ```
 */
export function* readTar(archive: Uint8Array, path: string, fix = FIX_DELETE): Generator<TarEntry> {
  const fail = (msg: string): never => {
    throw new DataIntegrityError(path, `Invalid tar archive "${path}": ${msg}; ${fix}`);
  };
  let off = 0;
  let longName: string | null = null;
  while (off + BLOCK <= archive.length) {
    const h = archive.subarray(off, off + BLOCK);
    if (h.every((v) => v === 0)) return; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const stored = octal(h, 148, 8);
    if (stored !== sum) fail(`bad header checksum at offset ${off}`);
    const size = octal(h, 124, 12);
    if (!Number.isFinite(size) || (h[124] & 0x80) !== 0) fail(`unsupported size at offset ${off}`);
    const typeflag = String.fromCharCode(h[156] || 48);
    const dataStart = off + BLOCK;
    if (dataStart + size > archive.length) {
      fail(
        `truncated: member at offset ${off} needs ${size} bytes, ${
          archive.length - dataStart
        } left`,
      );
    }
    const data = archive.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === "L") {
      longName = str(data, 0, data.length);
      continue;
    }
    if (typeflag === "x") {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(decoder.decode(data));
      if (m) longName = m[1];
      continue;
    }
    if (typeflag === "g") continue;
    let name = longName ?? str(h, 0, 100);
    if (longName === null && str(h, 257, 6) === "ustar") {
      const prefix = str(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    longName = null;
    name = name.replace(/^\.\//, "");
    const type = typeflag === "0" || typeflag === "7"
      ? "file"
      : typeflag === "5"
      ? "directory"
      : "other";
    yield { name: type === "directory" ? name.replace(/\/$/, "") : name, type, data };
  }
  fail("missing end-of-archive marker (file truncated?)");
}
