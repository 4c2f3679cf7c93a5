/**
 * The documentation check of `deno task check`:
 * 1. `deno doc --lint mod.ts`, tolerating one class of finding: references to TensorFlow.js's own
 *    types (`Tensor`, `Variable`, `Scalar`, `LayersModel`, …) in our signatures. Those types belong
 *    to tfjs and are documented there; re-exporting tfjs from `mod.ts` would pull its whole API
 *    (and ~1,000 of its undocumented symbols) into ours. Every other finding fails the check.
 * 2. Every function and class `mod.ts` exports has a runnable `@example` (run by
 *    `deno test --doc`).
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
  "LayersModel",
]);

async function denoDoc(args: string[]): Promise<{ ok: boolean; text: string; stdout: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", ...args, "mod.ts"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  return { ok: out.success, text: stdout + new TextDecoder().decode(out.stderr), stdout };
}

const lint = await denoDoc(["--lint"]);
const findings = lint.text.split("\n").filter((l) => /^error\[/.test(l));
const real = findings.filter((l) => {
  const m = /references private type '([^']+)'/.exec(l);
  return !(m && TFJS_TYPES.has(m[1]));
});
if (real.length) {
  console.error(lint.text);
  console.error(`doc lint: ${real.length} finding(s) besides references to tfjs types`);
  Deno.exit(1);
}

interface DocDeclaration {
  kind: string;
  jsDoc?: { tags?: { kind: string }[] };
}
const json = await denoDoc(["--json"]);
if (!json.ok) {
  console.error(json.text);
  Deno.exit(1);
}
const nodes = JSON.parse(json.stdout).nodes as Record<
  string,
  { symbols: { name: string; declarations: DocDeclaration[] }[] }
>;
const missing: string[] = [];
for (const { symbols } of Object.values(nodes)) {
  for (const { name, declarations } of symbols) {
    const callable = declarations.filter((d) => d.kind === "function" || d.kind === "class");
    const documented = callable.some((d) => d.jsDoc?.tags?.some((t) => t.kind === "example"));
    if (callable.length > 0 && !documented) missing.push(name);
  }
}
if (missing.length) {
  console.error(
    `doc lint: exported functions and classes without an @example: ${missing.join(", ")}`,
  );
  Deno.exit(1);
}
console.log(
  `doc lint: ok (${findings.length - real.length} references to tfjs types tolerated; ` +
    "every exported function and class has an @example)",
);
