/**
 * The method registry: lookup errors list every id, `resolveConfig` reports every bad key and
 * type at once, each spec's docs cover its defaults, and `create` rejects bad values with a
 * `ConfigError` listing all problems.
 */
import * as tf from "../src/deps/tfjs.ts";
import assert from "node:assert/strict";
import { initBackend } from "../src/runtime/backend.ts";
import { getMethod, METHODS, resolveConfig } from "../src/methods/registry.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import { Rng } from "../src/util/rng.ts";
import { ConfigError } from "../src/util/errors.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";

await initBackend("cpu");

Deno.test("getMethod: unknown id lists every registered id", () => {
  const ids = Object.keys(METHODS);
  assert.deepEqual(ids.slice(0, 6), ["dense", "magnitude", "gmp", "random", "l0-hc", "diffprune"]);
  assert.throws(() => getMethod("x"), {
    name: "RangeError",
    message: `Cannot find pruning method "x": expected one of ${
      ids.map((i) => `"${i}"`).join(", ")
    }`,
  });
  for (const id of ids) assert.equal(getMethod(id).id, id);
});

Deno.test("every spec: id matches its key, docs cover exactly the defaults", () => {
  for (const [key, spec] of Object.entries(METHODS)) {
    assert.equal(spec.id, key);
    assert.deepEqual(Object.keys(spec.docs).sort(), Object.keys(spec.defaults).sort(), key);
    assert.ok(spec.summary.length > 0 && spec.citation.length > 0);
  }
});

Deno.test("resolveConfig: all problems at once, valid overrides merged, defaults untouched", () => {
  const spec = getMethod("l0-hc");
  const { config, problems } = resolveConfig(spec, {
    foo: 1,
    lambda: "0.1",
    groups: "fc1",
    lambdaPerGroup: { fc1: "big" },
    perExample: true,
    droprateInit: 0.3,
  });
  assert.equal(problems.length, 4);
  assert.equal(
    problems[0],
    `Unknown hyperparameter "foo" for method "l0-hc": expected one of ${
      Object.keys(spec.defaults).map((k) => `"${k}"`).join(", ")
    }`,
  );
  assert.equal(
    problems[1],
    'Hyperparameter "lambda" of method "l0-hc" must be a number: got "0.1"',
  );
  assert.match(problems[2], /"groups" of method "l0-hc" must be an array/);
  assert.match(problems[3], /"lambdaPerGroup" of method "l0-hc" has entry "fc1" of the wrong type/);
  assert.equal(config.perExample, true);
  assert.equal(config.droprateInit, 0.3);
  assert.equal(config.lambda, 0.1);
  const m = resolveConfig(getMethod("magnitude"), { targets: [0.5, "x"], scope: 3 });
  assert.equal(m.problems.length, 2);
  const ok = resolveConfig(getMethod("magnitude"), { targets: [0.1] });
  ok.config.targets.push(0.2);
  assert.deepEqual(METHODS.magnitude.defaults.targets, [0.5, 0.75, 0.9, 0.95, 0.98]);
  assert.deepEqual(resolveConfig(getMethod("gmp"), { finalSparsity: Infinity }).problems, [
    'Hyperparameter "finalSparsity" of method "gmp" must be a finite number: got null',
  ]);
});

Deno.test("create: bad values give one ConfigError listing every problem", () => {
  const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
  const ctx = {
    net,
    rng: new Rng(1),
    trainSize: 100,
    epochs: 1,
    stepsPerEpoch: 1,
    removeUnits: () => {},
  };
  const cases: [string, Record<string, unknown>, number][] = [
    ["magnitude", { targets: [1.5], scope: "row", fineTuneEpochs: -1 }, 3],
    ["gmp", { finalSparsity: 1, frequency: 0 }, 2],
    ["random", { begin: 0.9, end: 0.1 }, 1],
    ["l0-hc", { granularity: "row", lambda: -1 }, 2],
    ["diffprune", { mode: "fuzzy", tauMin: 0, groups: ["fc9"] }, 3],
  ];
  for (const [id, over, n] of cases) {
    const spec = getMethod(id);
    // the declared ranges catch single-value problems up front; create checks again (and the
    // constraints that involve several values or the network) for configs built without them
    const upFront = { magnitude: 3, gmp: 2, random: 0, "l0-hc": 2, diffprune: 2 }[id];
    assert.equal(resolveConfig(spec, over).problems.length, upFront, id);
    const config = { ...structuredClone(spec.defaults), ...over };
    assert.throws(() => spec.create(ctx, config), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.problems.length, n, `${id}: ${e.problems.join("; ")}`);
      assert.match(e.message, new RegExp(`Invalid hyperparameters of method "${id}"`));
      return true;
    });
  }
  net.dispose();
});

Deno.test("every built-in method runs a forward pass and penalty without leaking", async () => {
  const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
  const x = tf.ones([2, 28, 28, 1]);
  for (const id of ["dense", "magnitude", "gmp", "random", "l0-hc", "diffprune"]) {
    const spec = getMethod(id);
    const ctx = {
      net,
      rng: new Rng(1),
      trainSize: 100,
      epochs: 1,
      stepsPerEpoch: 1,
      removeUnits: () => {},
    };
    const m = spec.create(ctx, resolveConfig(spec).config);
    for (const mode of ["train", "eval"] as const) {
      await expectNoLeakedTensors(() =>
        tf.tidy(() => {
          const y = tf.sum(net.forward(x, m.forwardOptions(mode)));
          const p = m.penalty();
          return void (p ? tf.add(y, p) : y);
        })
      );
    }
    m.dispose();
  }
  x.dispose();
  net.dispose();
});
