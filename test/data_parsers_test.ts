import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { DataIntegrityError } from "../src/util/errors.ts";
import {
  loadDataset,
  MANIFESTS,
  parseCifarRecords,
  parseCifarTar,
  parseIdx,
  parseIdxPair,
  readTar,
  sha256Hex,
} from "../src/data/mod.ts";
import { fixture, fixtureManifest, fixtureName, makeTar, stageFixtures } from "./data/helpers.ts";

const FIXTURE_SHA: Record<string, string> = {
  [fixtureName("mnist", "images")]:
    "806da1c8626ed91a2ec572ed80666121226e1de20cec504c2787812cac71d159",
  [fixtureName("mnist", "labels")]:
    "1a053e1de7d8946ac62b3ae5a196d52d2e96bc66fd695815a7e29f0310f9c031",
  [fixtureName("fashion-mnist", "images")]:
    "10011aad7e104ca4844b2f2ec20ea5e697cc6fe044fcdfe102805b0cffb2c8b5",
  [fixtureName("fashion-mnist", "labels")]:
    "825f333513fdd542aa1aa55ded6b697992e3bbc01f304e46fd0126ead73ad4d6",
};

function raw(name: string): Uint8Array {
  return gunzipSync(fixture(name));
}

function counts(y: Uint8Array): number[] {
  const c = new Array(10).fill(0);
  for (const v of y) c[v]++;
  return c;
}

Deno.test("fixtures match the uncompressed SHA-256 in their README", async () => {
  for (const [name, sha] of Object.entries(FIXTURE_SHA)) {
    assert.equal(await sha256Hex(raw(name)), sha);
  }
});

for (
  const [base, first, labelCounts] of [
    ["mnist", [7, 2, 1, 0, 4, 1, 4, 9], [8, 14, 8, 11, 14, 7, 10, 15, 2, 11]],
    ["fashion-mnist", [9, 2, 1, 1, 6, 1, 4, 6], [8, 13, 14, 9, 10, 9, 8, 11, 12, 6]],
  ] as const
) {
  Deno.test(`IDX parser reads the 100 real ${base} test records`, () => {
    const { x, y, n } = parseIdxPair(
      raw(fixtureName(base, "images")),
      raw(fixtureName(base, "labels")),
      { images: "images", labels: "labels" },
      { count: 100, height: 28, width: 28, numClasses: 10 },
    );
    assert.equal(n, 100);
    assert.equal(x.length, 100 * 784);
    assert.deepEqual(Array.from(y.subarray(0, 8)), first);
    assert.deepEqual(counts(y), labelCounts);
    assert.ok(x.some((v) => v === 255) && x.some((v) => v === 0));
  });

  Deno.test(`loadDataset("${base}") loads fixtures from a data dir and verifies them`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await stageFixtures(join(dir, base), base);
      const manifest = await fixtureManifest(base);
      const ds = await loadDataset(base, {
        manifest,
        dataDir: dir,
        cacheDir: dir,
        download: false,
      });
      assert.equal(ds.train.n, 100);
      assert.equal(ds.test.n, 100);
      assert.deepEqual(Array.from(ds.test.y.subarray(0, 8)), first);
      assert.deepEqual(ds.inputShape, [28, 28, 1]);
      assert.equal(ds.source, join(dir, base));
      assert.equal(ds.sha256?.["t10k-labels-idx1-ubyte"], manifest.files.testLabels.sha256);
      const small = await loadDataset(base, {
        manifest,
        dataDir: dir,
        cacheDir: dir,
        download: false,
        trainLimit: 10,
      });
      assert.equal(small.train.n, 10);
      assert.equal(small.train.x.length, 7840);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a checksum mismatch names the file, both hashes and the fix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await stageFixtures(join(dir, "mnist"), "mnist");
    // Same size, one pixel changed.
    const images = raw(fixtureName("mnist", "images"));
    images[5000] ^= 0xff;
    const path = join(dir, "mnist", "t10k-images-idx3-ubyte.gz");
    await Deno.writeFile(path, gzipSync(images));
    const manifest = await fixtureManifest("mnist");
    const err = await loadDataset("mnist", { manifest, cacheDir: dir, download: false })
      .then(() => null, (e) => e);
    assert.ok(err instanceof DataIntegrityError, String(err));
    assert.equal(err.path, path);
    assert.match(err.message, /Checksum mismatch/);
    assert.ok(err.message.includes(manifest.files.testImages.sha256));
    assert.ok(err.message.includes(await sha256Hex(images)));
    assert.match(err.message, /the next run downloads a fresh copy/);
    assert.match(err.message, /delete the file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a truncated file is a DataIntegrityError (gzip and raw IDX)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await stageFixtures(join(dir, "mnist"), "mnist");
    const gz = fixture(fixtureName("mnist", "images"));
    const path = join(dir, "mnist", "t10k-images-idx3-ubyte.gz");
    await Deno.writeFile(path, gz.subarray(0, gz.length >> 1));
    const manifest = await fixtureManifest("mnist");
    await assert.rejects(
      () => loadDataset("mnist", { manifest, dataDir: dir, cacheDir: dir, download: false }),
      (e: Error) => e instanceof DataIntegrityError && e.message.includes(path),
    );
    const images = raw(fixtureName("mnist", "images"));
    assert.throws(
      () => parseIdx(images.subarray(0, 5000), "short", { ndim: 3, count: 100 }),
      (e: Error) => e instanceof DataIntegrityError && /truncated/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a wrong magic number is a DataIntegrityError", () => {
  const labels = raw(fixtureName("mnist", "labels"));
  // An image file where labels are expected.
  assert.throws(
    () => parseIdx(raw(fixtureName("mnist", "images")), "x-labels", { ndim: 1 }),
    (e: Error) =>
      e instanceof DataIntegrityError && /wrong magic number 0x00000803/.test(e.message),
  );
  const bad = labels.slice();
  bad[2] = 0x0d; // float data type
  assert.throws(
    () => parseIdx(bad, "float-labels", { ndim: 1 }),
    (e: Error) => e instanceof DataIntegrityError && e.message.includes('"float-labels"'),
  );
});

Deno.test("a wrong record count is a DataIntegrityError", () => {
  const images = raw(fixtureName("mnist", "images"));
  const labels = raw(fixtureName("mnist", "labels"));
  assert.throws(
    () => parseIdx(images, "imgs", { ndim: 3, count: 10000, inner: [28, 28] }),
    (e: Error) =>
      e instanceof DataIntegrityError && /wrong record count 100, expected 10000/.test(e.message),
  );
  // Labels whose header says 99 records do not match 100 images.
  const fewer = labels.slice(0, labels.length - 1);
  new DataView(fewer.buffer).setUint32(4, 99);
  assert.throws(
    () =>
      parseIdxPair(images, fewer, { images: "i", labels: "l" }, {
        height: 28,
        width: 28,
        numClasses: 10,
      }),
    (e: Error) => e instanceof DataIntegrityError && /wrong record count 99/.test(e.message),
  );
  // Trailing bytes after the declared records.
  const longer = new Uint8Array(labels.length + 3);
  longer.set(labels);
  assert.throws(() => parseIdx(longer, "l", { ndim: 1 }), /trailing bytes/);
});

Deno.test("CIFAR-10 binary records become NHWC images; size and labels are checked", () => {
  const records = 4;
  const bin = new Uint8Array(records * 3073);
  for (let r = 0; r < records; r++) {
    bin[r * 3073] = r;
    for (let p = 0; p < 1024; p++) {
      bin[r * 3073 + 1 + p] = (p + r) & 0xff; // R
      bin[r * 3073 + 1025 + p] = 100; // G
      bin[r * 3073 + 2049 + p] = 200; // B
    }
  }
  const x = new Uint8Array(records * 3072), y = new Uint8Array(records);
  parseCifarRecords(bin, "b.bin", records, x, y, 0);
  assert.deepEqual(Array.from(y), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(x.subarray(3072 + 3 * 5, 3072 + 3 * 5 + 3)), [6, 100, 200]);
  assert.throws(
    () => parseCifarRecords(bin.subarray(1), "short.bin", records, x, y, 0),
    (e: Error) => e instanceof DataIntegrityError && /truncated/.test(e.message),
  );
  const badLabel = bin.slice();
  badLabel[3073] = 10;
  assert.throws(
    () => parseCifarRecords(badLabel, "l.bin", records, x, y, 0),
    /label 10 at record 1/,
  );
});

Deno.test("CIFAR-10 archive: tar reader, parser and cifar10 loading with an injected checksum", async () => {
  const rec = (label: number) => {
    const b = new Uint8Array(3073).fill(label * 10);
    b[0] = label;
    return b;
  };
  const batch = (n: number, offset: number) => {
    const out = new Uint8Array(n * 3073);
    for (let i = 0; i < n; i++) out.set(rec((i + offset) % 10), i * 3073);
    return out;
  };
  const entries = [{ name: "cifar-10-batches-bin" }];
  for (let i = 1; i <= 5; i++) {
    entries.push({ name: `cifar-10-batches-bin/data_batch_${i}.bin`, data: batch(2, i) } as never);
  }
  entries.push({ name: "cifar-10-batches-bin/test_batch.bin", data: batch(10, 0) } as never);
  const tar = makeTar(entries);
  const names = [...readTar(tar, "t.tar")].map((e) => `${e.type}:${e.name}`);
  assert.equal(names[0], "directory:cifar-10-batches-bin");
  assert.equal(names.length, 7);
  const { train, test } = parseCifarTar(tar, "t.tar", 10, 10);
  assert.deepEqual(Array.from(train.y), [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
  assert.equal(test.x[3072 * 7], 70);
  assert.throws(() => [...readTar(tar.subarray(0, 1500), "cut.tar")], /truncated/);

  const dir = await Deno.makeTempDir();
  try {
    const gz = gzipSync(tar);
    await Deno.mkdir(join(dir, "cifar10"));
    await Deno.writeFile(join(dir, "cifar10", "cifar-10-binary.tar.gz"), gz);
    const real = MANIFESTS.cifar10;
    const spec = { ...real.files.archive, sha256: await sha256Hex(gz), bytes: gz.length };
    const manifest = { ...real, train: 10, test: 10, files: { archive: spec } };
    const ds = await loadDataset("cifar10", { manifest, cacheDir: dir, download: false });
    assert.equal(ds.train.n, 10);
    assert.deepEqual(ds.inputShape, [32, 32, 3]);
    assert.equal(ds.source, join(dir, "cifar10"));
    const wrong = { ...manifest, files: { archive: { ...spec, sha256: "0".repeat(64) } } };
    await assert.rejects(
      () => loadDataset("cifar10", { manifest: wrong, cacheDir: dir, download: false }),
      (e: Error) => e instanceof DataIntegrityError && /Checksum mismatch/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
