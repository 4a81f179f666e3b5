/**
 * `npm run bench:codeowners`: what one compiled CODEOWNERS keeps alive, for the benchmark's 500-line file
 * (bench/gate-snapshot.ts), and how long compiling takes. The app keeps up to `CODEOWNERS_CACHE_SIZE` of
 * them (src/pipeline/gate-memory.ts). Retained size is the heap used after full collections with FILES
 * compiled files kept, divided by FILES. The npm script passes `--expose-gc` and `--no-flush-bytecode`
 * (V8 otherwise frees unused functions' bytecode between collections, which moves the figure).
 * A figure for the directory memo that matching adds is not printed: it moved from -200 to +50 KB between runs.
 */
import { compileCodeowners, type CompiledCodeowners } from '../gates/lib/codeowners/match.js';
import { codeownersText } from './gate-snapshot.js';

const FILES = 20;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:codeowners)');

const text = codeownersText(500);
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
// Warm-up: the compiler's own code and caches are not the files' size.
for (let i = 0; i < 3; i++) compileCodeowners(`${text}# warm ${i}\n`);
const kept: CompiledCodeowners[] = [];
const base = heap();
const started = performance.now();
for (let i = 0; i < FILES; i++) kept.push(compileCodeowners(`${text}# file ${i}\n`));
const compileMs = (performance.now() - started) / FILES;
const compiled = heap();
const kb = (bytes: number) => `${(bytes / FILES / 1024).toFixed(0)} KB`;
process.stdout.write(
  `CODEOWNERS of ${text.split('\n').length - 1} lines (${text.length} bytes), ${FILES} compiled files kept:\n` +
    `  kept per compiled file: ${kb(compiled - base)} (${kept.length} kept)\n` +
    `  compile time: ${compileMs.toFixed(2)} ms per file\n`,
);
