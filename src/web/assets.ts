/**
 * The pages' files, served by the app itself (no CDN): uPlot (the charting library, from its npm
 * package) and this site's script and style sheet (src/web/assets/). Read once, kept in memory.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** This folder's `assets/` (the build copies it beside the compiled module: `dist/src/web/assets/`). */
const ownAsset = (name: string): string => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

const require = createRequire(import.meta.url);
const FILES: Readonly<Record<string, { readonly path: () => string; readonly type: string }>> = {
  'uPlot.iife.min.js': {
    path: () => require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'uPlot.min.css': { path: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'insights.js': { path: () => ownAsset('insights.js'), type: 'text/javascript; charset=utf-8' },
  'insights.css': { path: () => ownAsset('insights.css'), type: 'text/css; charset=utf-8' },
  'favicon.svg': { path: () => ownAsset('favicon.svg'), type: 'image/svg+xml' },
};
const loaded = new Map<string, Buffer>();

export function serveAsset(res: ServerResponse, name: string, headers: Readonly<Record<string, string>>): boolean {
  const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!file) return false;
  let body = loaded.get(name);
  if (!body) loaded.set(name, (body = readFileSync(file.path())));
  res
    .writeHead(200, {
      ...headers,
      'content-type': file.type,
      'content-length': body.length,
      'cache-control': 'public, max-age=3600',
    })
    .end(body);
  return true;
}
