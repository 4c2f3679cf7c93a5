/**
 * `deno doc --lint mod.ts`, tolerating one class of finding: references to TensorFlow.js's own
 * types (`Tensor`, `Variable`, `Scalar`, …) in our signatures. Those types belong to tfjs and are
 * documented there; re-exporting tfjs from `mod.ts` would pull its whole API (and ~1,000 of its
 * undocumented symbols) into ours. Every other finding fails the check.
 *
 * @module
 */
const TFJS_TYPES = new Set([
  "Tensor",
  "Variable",
  "Scalar",
  "Tensor1D",
  "Tensor2D",
  "Tensor4D",
  "Rank",
]);

const out = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", "mod.ts"],
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
const findings = text.split("\n").filter((l) => /^error\[/.test(l));
const real = findings.filter((l) => {
  const m = /references private type '([^']+)'/.exec(l);
  return !(m && TFJS_TYPES.has(m[1]));
});
if (real.length) {
  console.error(text);
  console.error(`doc lint: ${real.length} finding(s) besides references to tfjs types`);
  Deno.exit(1);
}
console.log(`doc lint: ok (${findings.length - real.length} references to tfjs types tolerated)`);
