/**
 * Parser of the IDX format used by MNIST and Fashion-MNIST: a 4-byte magic number
 * (0, 0, type, number of dimensions), big-endian uint32 dimension sizes, then the data.
 *
 * @module
 */
import { DataIntegrityError } from "../util/errors.ts";
import { FIX_DELETE } from "./verify.ts";

/** A parsed IDX file: dimension sizes and a view of the unsigned-byte data. */
export interface IdxArray {
  /** Dimension sizes, e.g. `[60000, 28, 28]`. */
  dims: number[];
  /** The data (a view into the input, no copy). */
  data: Uint8Array;
}

/** What an IDX file must contain. */
export interface IdxExpectation {
  /** Number of dimensions (3 for images, 1 for labels). */
  ndim: number;
  /** Record count (first dimension), when known. */
  count?: number;
  /** Sizes of the other dimensions, e.g. `[28, 28]`. */
  inner?: number[];
}

/**
 * Parses an uncompressed IDX file of unsigned bytes (type 0x08) and checks magic number,
 * dimensions, record count and exact length. Errors are {@linkcode DataIntegrityError}s naming
 * `path`.
 *
 * @example
 * ```ts
 * import { parseIdx } from "./idx.ts";
 * const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]);
 * const { dims, data } = parseIdx(bytes, "labels", { ndim: 1, count: 3 });
 * if (dims[0] !== 3 || data[0] !== 7) throw new Error("bad parse");
 * ```
 */
export function parseIdx(
  bytes: Uint8Array,
  path: string,
  expect: IdxExpectation,
  fix = FIX_DELETE,
): IdxArray {
  const fail = (msg: string): never => {
    throw new DataIntegrityError(path, `Invalid IDX file "${path}": ${msg}; ${fix}`);
  };
  if (bytes.byteLength < 4) fail(`only ${bytes.byteLength} bytes, too short for a header`);
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const expectedMagic = 0x800 | expect.ndim;
  if (magic !== expectedMagic) {
    fail(
      `wrong magic number 0x${hex(magic)}, expected 0x${hex(expectedMagic)} ` +
        `(unsigned bytes, ${expect.ndim} dimension${expect.ndim === 1 ? "" : "s"})`,
    );
  }
  const headerBytes = 4 + 4 * expect.ndim;
  if (bytes.byteLength < headerBytes) {
    fail(`truncated header: ${bytes.byteLength} bytes, expected at least ${headerBytes}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < expect.ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  if (expect.count !== undefined && dims[0] !== expect.count) {
    fail(`wrong record count ${dims[0]}, expected ${expect.count}`);
  }
  if (expect.inner) {
    const inner = dims.slice(1);
    if (inner.join("x") !== expect.inner.join("x")) {
      fail(`wrong record shape ${inner.join("x")}, expected ${expect.inner.join("x")}`);
    }
  }
  const size = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.byteLength - headerBytes;
  if (actual < size) {
    fail(`truncated: ${actual} data bytes for ${dims.join("x")}, expected ${size}`);
  }
  if (actual > size) fail(`${actual - size} trailing bytes after ${dims.join("x")} values`);
  return { dims, data: bytes.subarray(headerBytes, headerBytes + size) };
}

/** Parses a pair of IDX image and label files into NHWC uint8 images and uint8 labels. */
export function parseIdxPair(
  images: Uint8Array,
  labels: Uint8Array,
  paths: { images: string; labels: string },
  expect: { count?: number; height: number; width: number; numClasses: number },
  fix = FIX_DELETE,
): { x: Uint8Array; y: Uint8Array; n: number } {
  const img = parseIdx(images, paths.images, {
    ndim: 3,
    count: expect.count,
    inner: [expect.height, expect.width],
  }, fix);
  const lab = parseIdx(labels, paths.labels, { ndim: 1, count: img.dims[0] }, fix);
  for (let i = 0; i < lab.data.length; i++) {
    if (lab.data[i] >= expect.numClasses) {
      throw new DataIntegrityError(
        paths.labels,
        `Invalid label ${lab.data[i]} at record ${i} of "${paths.labels}": expected 0..${
          expect.numClasses - 1
        }; ${fix}`,
      );
    }
  }
  return { x: img.data, y: lab.data, n: img.dims[0] };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
