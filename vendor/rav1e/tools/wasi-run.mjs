// Runs a wasm32-wasip1 binary (e.g. a `cargo test` harness) under Node's WASI.
// Usage: node tools/wasi-run.mjs file.wasm [args...]
// As a cargo runner: CARGO_TARGET_WASM32_WASIP1_RUNNER="node /path/to/wasi-run.mjs"
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [wasmPath, ...rest] = process.argv.slice(2);
if (!wasmPath) {
  console.error('usage: node wasi-run.mjs file.wasm [args...]');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath, ...rest],
  env: process.env,
  preopens: { '/': '/', '.': process.cwd() },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const code = wasi.start(instance);
process.exit(code ?? 0);
