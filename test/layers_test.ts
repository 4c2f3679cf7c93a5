/**
 * The layers of `src/` import only earlier layers (tools/layers.ts; also run by `deno task check`).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { checkLayers, importsOf, violations } from "../tools/layers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

Deno.test("no module of src/ imports a later layer or from outside src/", () => {
  assert.deepEqual(checkLayers(ROOT), []);
});

Deno.test("the layer check finds an upward import, an import from benchmarks/ and a dynamic one", () => {
  const text = `import { x } from "../train/macs.ts";\nimport {\n  a,\n} from "./ok.ts";\n` +
    `import { SUITES } from "../../benchmarks/suites/mod.ts";\nawait import("../report/mod.ts");\n`;
  assert.deepEqual(importsOf(text), [
    "../train/macs.ts",
    "./ok.ts",
    "../../benchmarks/suites/mod.ts",
    "../report/mod.ts",
  ]);
  const found = violations(ROOT, "src/methods/x.ts", text).map((v) => v.specifier);
  assert.deepEqual(found, [
    "../train/macs.ts",
    "../../benchmarks/suites/mod.ts",
    "../report/mod.ts",
  ]);
  assert.deepEqual(violations(ROOT, "src/cli/x.ts", `import "../report/mod.ts";`), []);
  assert.deepEqual(
    violations(ROOT, "src/data/x.ts", `import "../models/side_effect.ts";`).map((v) => v.reason),
    ["data may not import models (a later layer)"],
  );
});
