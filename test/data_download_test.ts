import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { DataIntegrityError } from "../src/util/errors.ts";
import { DownloadError, downloadVerified, loadDataset } from "../src/data/mod.ts";
import { fixtureFor, fixtureManifest } from "./data/helpers.ts";

/**
 * Serves the MNIST fixtures on 127.0.0.1 under /<mode>/<file>: `ok`, `err` (HTTP 500), `hang`
 * (no response until the client gives up), `corrupt` (valid gzip, wrong content), `garbled`
 * (one gzip byte flipped), `cut` (half the body, then the connection closes), `stall` (half the
 * body, then nothing).
 */
async function withServer(fn: (base: string, hits: string[]) => Promise<void>): Promise<void> {
  const hits: string[] = [];
  const pending: Array<() => void> = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const [, mode, name] = new URL(req.url).pathname.split("/");
    hits.push(mode);
    const body = fixtureFor("mnist", name);
    const half = body.subarray(0, body.length >> 1);
    const headers = { "content-length": String(body.length) };
    const wait = () => new Promise<void>((resolve) => pending.push(resolve));
    switch (mode) {
      case "ok":
        return new Response(body);
      case "err":
        return new Response("boom", { status: 500 });
      case "hang":
        return wait().then(() => new Response("late"));
      case "corrupt": {
        // A valid gzip stream of wrong content: one pixel/label changed.
        const raw = gunzipSync(body);
        raw[raw.length - 1] ^= 0x01;
        return new Response(new Uint8Array(gzipSync(raw)));
      }
      case "garbled": {
        const bad = body.slice();
        bad[bad.length >> 1] ^= 0xff;
        return new Response(bad);
      }
      case "cut":
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(half);
              c.close();
            },
          }),
          { headers },
        );
      case "stall":
        return new Response(
          new ReadableStream({
            async start(c) {
              c.enqueue(half);
              await wait();
              c.close();
            },
          }),
          { headers },
        );
    }
    return new Response("not found", { status: 404 });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, hits);
  } finally {
    pending.forEach((resolve) => resolve());
    await server.shutdown();
  }
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}

const CANONICAL = [
  "t10k-images-idx3-ubyte.gz",
  "t10k-labels-idx1-ubyte.gz",
  "train-images-idx3-ubyte.gz",
  "train-labels-idx1-ubyte.gz",
];

const quiet = { embedded: false, progress: false, timeoutMs: 2000 } as const;

Deno.test("download: first mirror answers 500, second succeeds; then the cache is used", async () => {
  await withServer(async (base, hits) => {
    await withTemp(async (cacheDir) => {
      const manifest = await fixtureManifest("mnist");
      const mirrors = [`${base}/err/`, `${base}/ok/`];
      const ds = await loadDataset("mnist", { ...quiet, manifest, mirrors, cacheDir });
      assert.equal(ds.test.n, 100);
      assert.deepEqual(Array.from(ds.test.y.subarray(0, 8)), [7, 2, 1, 0, 4, 1, 4, 9]);
      assert.equal(ds.source, `${base}/ok/`);
      assert.deepEqual(hits, ["err", "ok", "err", "ok", "err", "ok", "err", "ok"]);
      assert.deepEqual(await listFiles(join(cacheDir, "mnist")), CANONICAL);
      // Second load: from the cache, no network at all.
      const noNet = () => Promise.reject(new Error("network used"));
      const again = await loadDataset("mnist", {
        ...quiet,
        manifest,
        mirrors,
        cacheDir,
        fetch: noNet,
      });
      assert.equal(again.source, join(cacheDir, "mnist"));
    });
  });
});

Deno.test("download: a mirror that hangs past the timeout is skipped", async () => {
  await withServer(async (base) => {
    await withTemp(async (dir) => {
      const dest = join(dir, "labels.gz");
      const t0 = performance.now();
      const { url } = await downloadVerified(
        [`${base}/hang/t10k-labels-idx1-ubyte.gz`, `${base}/ok/t10k-labels-idx1-ubyte.gz`],
        dest,
        (bytes) => bytes.length,
        { timeoutMs: 150, progress: false },
      );
      assert.match(url, /\/ok\//);
      assert.ok(performance.now() - t0 < 5000);
      assert.deepEqual(await Deno.readFile(dest), fixtureFor("mnist", "t10k-labels-idx1-ubyte.gz"));
    });
  });
});

Deno.test("download: a body that stalls midway times out and leaves no file", async () => {
  await withServer(async (base) => {
    await withTemp(async (dir) => {
      const err = await downloadVerified(
        [`${base}/stall/t10k-images-idx3-ubyte.gz`],
        join(dir, "images.gz"),
        () => true,
        { timeoutMs: 150, progress: false },
      ).catch((e) => e);
      assert.ok(err instanceof DownloadError, String(err));
      assert.match(err.message, /timed out/);
      assert.deepEqual(await listFiles(dir), []);
    });
  });
});

Deno.test("download: a corrupted body is rejected and leaves no file behind", async () => {
  await withServer(async (base) => {
    await withTemp(async (cacheDir) => {
      const manifest = await fixtureManifest("mnist");
      const err = await loadDataset("mnist", {
        ...quiet,
        manifest,
        mirrors: [`${base}/corrupt/`],
        cacheDir,
      }).catch((e) => e);
      assert.ok(err instanceof DataIntegrityError, String(err));
      assert.match(err.message, /corrupt\/train-images-idx3-ubyte\.gz/);
      assert.match(err.message, /Checksum mismatch/);
      assert.ok(err.message.includes(manifest.files.trainImages.sha256));
      assert.deepEqual(await listFiles(join(cacheDir, "mnist")), []);
      const garbled = await loadDataset("mnist", {
        ...quiet,
        manifest,
        mirrors: [`${base}/garbled/`],
        cacheDir,
      }).catch((e) => e);
      assert.ok(garbled instanceof DataIntegrityError, String(garbled));
      assert.match(garbled.message, /Cannot decompress/);
      assert.deepEqual(await listFiles(join(cacheDir, "mnist")), []);
      // A good mirror after the corrupt one is used.
      const ds = await loadDataset("mnist", {
        ...quiet,
        manifest,
        mirrors: [`${base}/corrupt/`, `${base}/ok/`],
        cacheDir,
      });
      assert.equal(ds.train.n, 100);
    });
  });
});

Deno.test("download: an interrupted download leaves no half file under the final name", async () => {
  await withServer(async (base) => {
    await withTemp(async (cacheDir) => {
      const manifest = await fixtureManifest("mnist");
      await assert.rejects(
        () => loadDataset("mnist", { ...quiet, manifest, mirrors: [`${base}/cut/`], cacheDir }),
        (e: Error) => e instanceof DownloadError && /cut\/train-images/.test(e.message),
      );
      assert.deepEqual(await listFiles(join(cacheDir, "mnist")), []);
    });
  });
});

Deno.test("download: --redownload replaces a corrupt cached file", async () => {
  await withServer(async (base) => {
    await withTemp(async (cacheDir) => {
      const manifest = await fixtureManifest("mnist");
      const opts = { ...quiet, manifest, mirrors: [`${base}/ok/`], cacheDir };
      await loadDataset("mnist", opts);
      const path = join(cacheDir, "mnist", "t10k-labels-idx1-ubyte.gz");
      await Deno.writeFile(path, new Uint8Array([1, 2, 3]));
      await assert.rejects(
        () => loadDataset("mnist", opts),
        (e: Error) => e instanceof DataIntegrityError && e.message.includes(path),
      );
      const ds = await loadDataset("mnist", { ...opts, redownload: true });
      assert.equal(ds.source, `${base}/ok/`);
      assert.equal((await loadDataset("mnist", opts)).source, join(cacheDir, "mnist"));
    });
  });
});

Deno.test("download: disabled downloads with no local copy fail with NotFound", async () => {
  await withTemp(async (cacheDir) => {
    const manifest = await fixtureManifest("mnist");
    await assert.rejects(
      () => loadDataset("mnist", { ...quiet, manifest, cacheDir, download: false }),
      Deno.errors.NotFound,
    );
  });
});
