import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { jpeg, PNG } from "../src/deps/images.ts";
import { DataIntegrityError } from "../src/util/errors.ts";
import { loadDataset } from "../src/data/mod.ts";
import { makeTar } from "./data/helpers.ts";

/** An 8x6 RGBA image whose pixels encode (class, index). */
function rgba(cls: number, idx: number, w = 8, h = 6): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    data.set([cls * 40, idx * 30, p, 255], p * 4);
  }
  return data;
}

function png(cls: number, idx: number, w = 8, h = 6): Uint8Array {
  const img = new PNG({ width: w, height: h });
  img.data.set(rgba(cls, idx, w, h));
  return new Uint8Array(PNG.sync.write(img));
}

function jpg(cls: number, idx: number): Uint8Array {
  const enc = jpeg.encode({ width: 8, height: 6, data: rgba(cls, idx) }, 95);
  return new Uint8Array(enc.data);
}

const CLASSES = ["cat", "dog", "frog"];

/** train/<class>/{0,1}.png (+ one jpg for "frog"), test/<class>/0.png */
function tree(): Array<{ name: string; data: Uint8Array }> {
  const files: Array<{ name: string; data: Uint8Array }> = [];
  CLASSES.forEach((c, k) => {
    files.push({ name: `train/${c}/0.png`, data: png(k, 0) });
    files.push({
      name: `train/${c}/1.${c === "frog" ? "jpg" : "png"}`,
      data: c === "frog" ? jpg(k, 1) : png(k, 1),
    });
    files.push({ name: `test/${c}/0.png`, data: png(k, 2) });
  });
  return files;
}

Deno.test("imagefolder: a directory of PNG/JPEG class folders", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const f of tree()) {
      await Deno.mkdir(join(dir, f.name, ".."), { recursive: true });
      await Deno.writeFile(join(dir, f.name), f.data);
    }
    await Deno.writeFile(join(dir, "README.txt"), new TextEncoder().encode("ignored"));
    const ds = await loadDataset(`imagefolder:${dir}`);
    assert.equal(ds.id, `imagefolder:${dir}`);
    assert.deepEqual(ds.classNames, CLASSES);
    assert.deepEqual(ds.inputShape, [6, 8, 3]);
    assert.equal(ds.numClasses, 3);
    assert.equal(ds.train.n, 6);
    assert.equal(ds.test.n, 3);
    // Interleaved: cat0 dog0 frog0 cat1 dog1 frog1.
    assert.deepEqual(Array.from(ds.train.y), [0, 1, 2, 0, 1, 2]);
    // PNG is lossless: pixel 5 of dog/0 = (40, 0, 5).
    assert.deepEqual(Array.from(ds.train.x.subarray(144 + 15, 144 + 18)), [40, 0, 5]);
    // JPEG (frog/1, record 5) decodes close to the original.
    const r = ds.train.x[5 * 144 + 3 * 10];
    assert.ok(Math.abs(r - 80) <= 6, `jpeg red ${r}`);
    assert.deepEqual(Array.from(ds.test.y), [0, 1, 2]);
    assert.ok(ds.normalization && ds.normalization.mean.length === 3);
    const small = await loadDataset(`imagefolder:${dir}`, { trainLimit: 2, testLimit: 1 });
    assert.deepEqual([small.train.n, small.test.n], [2, 1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("imagefolder: a .tar.gz with a top folder, decoded in memory; greyscale stays 1 channel", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const entries = tree().map((f) => ({ name: `Top-Folder/${f.name}`, data: f.data }));
    const archive = join(dir, "set.tar.gz");
    await Deno.writeFile(archive, gzipSync(makeTar([{ name: "Top-Folder/" }, ...entries])));
    const ds = await loadDataset(`imagefolder:${archive}`);
    assert.deepEqual([ds.train.n, ds.test.n, ds.numClasses], [6, 3, 3]);
    assert.equal(ds.label, "Image folder (set.tar.gz)");
    assert.ok(ds.sha256?.["set.tar.gz"]);

    // Class folders only (no train/test): everything is train; greyscale PNGs give C = 1.
    const grey = (v: number) => {
      const img = new PNG({
        width: 4,
        height: 4,
        colorType: 0,
        inputColorType: 0,
        inputHasAlpha: false,
      });
      return new Uint8Array(
        PNG.sync.write(Object.assign(img, { data: new Uint8Array(16).fill(v) }), {
          colorType: 0,
          inputColorType: 0,
          inputHasAlpha: false,
        }),
      );
    };
    const flat = join(dir, "flat.tar");
    await Deno.writeFile(
      flat,
      makeTar([{ name: "a/x.png", data: grey(10) }, { name: "b/y.png", data: grey(200) }]),
    );
    const g = await loadDataset(`imagefolder:${flat}`);
    assert.deepEqual(g.inputShape, [4, 4, 1]);
    assert.deepEqual([g.train.n, g.test.n], [2, 0]);
    assert.deepEqual([g.train.x[0], g.train.x[16]], [10, 200]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("imagefolder: images of different sizes and bad files are errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const mixed = join(dir, "mixed.tar");
    await Deno.writeFile(
      mixed,
      makeTar([{ name: "a/0.png", data: png(0, 0) }, { name: "b/0.png", data: png(1, 0, 5, 5) }]),
    );
    await assert.rejects(
      () => loadDataset(`imagefolder:${mixed}`),
      (e: Error) => e instanceof DataIntegrityError && /is 5x5, expected 8x6/.test(e.message),
    );
    const broken = join(dir, "broken.tar");
    await Deno.writeFile(
      broken,
      makeTar([{ name: "a/0.png", data: new Uint8Array([0x89, 0x50, 1, 2]) }]),
    );
    await assert.rejects(() => loadDataset(`imagefolder:${broken}`), /Cannot decode image/);
    await assert.rejects(
      () => loadDataset(`imagefolder:${join(dir, "none")}`),
      /Cannot find image folder/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
