/**
 * Parser of the CIFAR-10 binary format (`cifar-10-binary.tar.gz`): files of 3,073-byte records,
 * each 1 label byte then 1,024 R, 1,024 G and 1,024 B bytes of a 32 x 32 image (row-major).
 * Records are converted to NHWC uint8.
 *
 * @module
 */
import { DataIntegrityError } from "../util/errors.ts";
import { readTar } from "./tar.ts";
import { FIX_DELETE } from "./verify.ts";

/** Bytes per CIFAR-10 binary record. */
export const CIFAR_RECORD_BYTES = 3073;
/** Training batch files, in order. */
export const CIFAR_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
/** Test batch file. */
export const CIFAR_TEST_FILE = "test_batch.bin";

/**
 * Converts CIFAR-10 binary records into NHWC images and labels, writing into `x`/`y` at record
 * `offset`. Checks the exact length (`records` x 3,073 bytes) and the labels.
 *
 * @example
 * ```ts
 * import { parseCifarRecords } from "./cifar.ts";
 * const rec = new Uint8Array(3073); rec[0] = 3; rec[1] = 255; // label 3, R of pixel 0
 * const x = new Uint8Array(3072), y = new Uint8Array(1);
 * parseCifarRecords(rec, "one.bin", 1, x, y, 0);
 * if (y[0] !== 3 || x[0] !== 255 || x[1] !== 0) throw new Error("bad parse");
 * ```
 */
export function parseCifarRecords(
  bytes: Uint8Array,
  path: string,
  records: number,
  x: Uint8Array,
  y: Uint8Array,
  offset: number,
  fix = FIX_DELETE,
): void {
  const expected = records * CIFAR_RECORD_BYTES;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? "truncated" : "too large";
    throw new DataIntegrityError(
      path,
      `Invalid CIFAR-10 batch "${path}": ${bytes.length} bytes, expected ${expected} ` +
        `(${records} records of ${CIFAR_RECORD_BYTES} bytes; file ${what}); ${fix}`,
    );
  }
  for (let r = 0; r < records; r++) {
    const src = r * CIFAR_RECORD_BYTES;
    const label = bytes[src];
    if (label > 9) {
      throw new DataIntegrityError(
        path,
        `Invalid CIFAR-10 batch "${path}": label ${label} at record ${r}, expected 0..9; ${fix}`,
      );
    }
    y[offset + r] = label;
    const dst = (offset + r) * 3072;
    for (let p = 0; p < 1024; p++) {
      const o = dst + p * 3;
      x[o] = bytes[src + 1 + p];
      x[o + 1] = bytes[src + 1025 + p];
      x[o + 2] = bytes[src + 2049 + p];
    }
  }
}

/** CIFAR-10 images (NHWC uint8) and labels of both splits. */
export interface CifarData {
  /** Training split. */
  train: { x: Uint8Array; y: Uint8Array; n: number };
  /** Test split. */
  test: { x: Uint8Array; y: Uint8Array; n: number };
}

/**
 * Reads the six `.bin` batches out of an uncompressed `cifar-10-binary` tar archive (any
 * directory prefix). `trainCount`/`testCount` are the expected totals (50,000 / 10,000); the
 * training files hold one fifth each.
 */
export function parseCifarTar(
  tar: Uint8Array,
  path: string,
  trainCount = 50000,
  testCount = 10000,
  fix = FIX_DELETE,
): CifarData {
  const files = new Map<string, Uint8Array>();
  for (const e of readTar(tar, path, fix)) {
    if (e.type === "file") files.set(e.name.split("/").pop()!, e.data);
  }
  return parseCifarFiles((name) => files.get(name) ?? null, path, trainCount, testCount, fix);
}

/**
 * Parses the batches given by `get(name)` (from a tar archive or an extracted
 * `cifar-10-batches-bin/` directory). A missing batch is an error naming `where`.
 */
export function parseCifarFiles(
  get: (name: string) => Uint8Array | null,
  where: string,
  trainCount = 50000,
  testCount = 10000,
  fix = FIX_DELETE,
): CifarData {
  const need = (name: string): Uint8Array => {
    const b = get(name);
    if (!b) {
      throw new DataIntegrityError(
        where,
        `Invalid CIFAR-10 archive "${where}": "${name}" is missing; ${fix}`,
      );
    }
    return b;
  };
  const per = trainCount / CIFAR_TRAIN_FILES.length;
  const train = {
    x: new Uint8Array(trainCount * 3072),
    y: new Uint8Array(trainCount),
    n: trainCount,
  };
  CIFAR_TRAIN_FILES.forEach((name, i) => {
    parseCifarRecords(need(name), `${where}:${name}`, per, train.x, train.y, i * per, fix);
  });
  const test = { x: new Uint8Array(testCount * 3072), y: new Uint8Array(testCount), n: testCount };
  parseCifarRecords(
    need(CIFAR_TEST_FILE),
    `${where}:${CIFAR_TEST_FILE}`,
    testCount,
    test.x,
    test.y,
    0,
    fix,
  );
  const counts = new Array(10).fill(0);
  for (const l of test.y) counts[l]++;
  if (testCount === 10000 && counts.some((c) => c !== 1000)) {
    throw new DataIntegrityError(
      where,
      `Invalid CIFAR-10 test batch in "${where}": class counts ${counts.join(" ")}, expected ` +
        `1000 each; ${fix}`,
    );
  }
  return { train, test };
}
