// The JSON vectors of protocol-spec/vectors run through the WebAssembly build (web/pkg-node, built
// by scripts/build-wasm.sh with the test-only `vectors` feature), with the interpreter the Rust
// vector test uses (venuecode_protocol::vectors): every `accept` case must succeed with its
// stated output, every `negative` case fail with exactly its stated error.
//
//   node --test crates/wasm/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const require = createRequire(import.meta.url);
const wasm = require(join(root, "web", "pkg-node", "venuecode_wasm.js"));
const dir = join(root, "protocol-spec", "vectors");

// Files whose checks the Rust test runs outside the case interpreter, and why node does not:
// size-budget.json needs a QR encoder and decoder (dev-dependencies of the Rust test), and
// hpke-rfc9180-a2.json drives the hpke crate directly with a fixed RNG (the seal the app uses is
// covered by sealed.json's cases).
const NOT_IN_NODE = new Set(["size-budget.json", "hpke-rfc9180-a2.json"]);
// Files with whole-file checks (besides or instead of cases).
const FILE_CHECKS = new Set(["time.json", "decimal.json", "seeds.json"]);

const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

test("the vector directory is not empty", () => {
  assert.ok(files.length >= 10, `only ${files.length} vector files`);
});

for (const file of files) {
  if (NOT_IN_NODE.has(file)) continue;
  test(`vectors: ${file}`, () => {
    const doc = JSON.parse(readFileSync(join(dir, file), "utf8"));
    assert.ok(typeof doc.description === "string" && doc.description.length > 0, `${file}: no description`);
    const ctx = JSON.stringify(doc.context ?? null);
    let ran = 0;
    for (const [list, negative] of [["accept", false], ["negative", true]]) {
      for (const c of doc[list] ?? []) {
        const why = wasm.checkVectorCase(file, ctx, JSON.stringify(c), negative);
        assert.equal(why, undefined, why);
        ran += 1;
      }
    }
    let checked = false;
    if (FILE_CHECKS.has(file)) {
      checked = wasm.checkVectorFile(file, JSON.stringify(doc));
      assert.equal(checked, true, `${file}: no whole-file check ran`);
    }
    assert.ok(ran > 0 || checked, `${file}: nothing was checked`);
  });
}

test("a wrong expectation fails (the runner can fail)", () => {
  const doc = JSON.parse(readFileSync(join(dir, "keys.json"), "utf8"));
  const c = structuredClone(doc.accept[0]);
  c.output = "00";
  const why = wasm.checkVectorCase("keys.json", "null", JSON.stringify(c), false);
  assert.match(why ?? "", /output differs/);
  const n = structuredClone(doc.negative[0]);
  n.expect = "SomethingElse";
  const why2 = wasm.checkVectorCase("keys.json", "null", JSON.stringify(n), true);
  assert.match(why2 ?? "", /wrong error/);
});
