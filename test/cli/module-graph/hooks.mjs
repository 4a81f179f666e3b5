// Module customization hooks for a child process that runs the CLI from its TypeScript source
// (test/cli/module-graph.test.ts): `.js` specifiers fall back to the `.ts` file beside them, `.ts`
// files are transpiled with TypeScript, and every module URL resolved is appended to the file
// named by QG_MODULE_LOG, one a line.
import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const LOG = process.env.QG_MODULE_LOG;

export async function resolve(specifier, context, next) {
  let resolved;
  try {
    resolved = await next(specifier, context);
  } catch (error) {
    if (!specifier.endsWith('.js') || !specifier.startsWith('.')) throw error;
    resolved = await next(`${specifier.slice(0, -3)}.ts`, context);
  }
  if (LOG) appendFileSync(LOG, `${resolved.url}\n`);
  return resolved;
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const source = readFileSync(fileURLToPath(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
