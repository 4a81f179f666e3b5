/**
 * The gate list in gates/registry.ts is the one source: every other place a gate appears -- its folder, the
 * config schema, the JSON Schema, docs/configuration.md, its docs page, its goldens, the check-run order --
 * must agree with it. Dropping a gate from the list, or leaving out its docs or goldens, fails here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATE_IDS, GATES } from '../../gates/registry.js';
import { DEFAULT_CONFIG, QualityGatesConfig } from '../../gates/config.js';
import { renderJsonSchema } from '../../src/load/config/json-schema.js';
import { enabledGates, runGates } from '../../src/pipeline/run-gates.js';
import { aSnapshot } from '../support/builders.js';

/** The folders of gates/ that hold a gate (an index.ts): every folder but the shared libraries. */
const gateFolders = readdirSync('gates', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`gates/${entry.name}/index.ts`))
  .map((entry) => entry.name);

/** The gates of the first release, on by default; the rest came later and are off by default. */
const FIRST_FIVE: readonly string[] = [
  'batch-size',
  'linked-ticket',
  'tests-touched',
  'signed-commits',
  'codeowners-review',
];

describe('gate registry', () => {
  it('has unique ids, one per gate folder', () => {
    expect(new Set(GATE_IDS).size).toBe(GATE_IDS.length);
    expect([...GATE_IDS].sort()).toEqual([...gateFolders].sort());
  });

  it('the config schema, the JSON Schema and the configuration reference list the gates in its order', () => {
    expect(Object.keys(DEFAULT_CONFIG.gates)).toEqual(GATE_IDS);
    const schema = JSON.parse(renderJsonSchema()) as { properties: { gates: { properties: Record<string, unknown> } } };
    expect(Object.keys(schema.properties.gates.properties)).toEqual(GATE_IDS);
    const reference = readFileSync('docs/configuration.md', 'utf8');
    const documented = [...reference.matchAll(/^\| `gates\.([a-z-]+)` \| mapping \|/gm)].map((m) => m[1]);
    expect(documented).toEqual(GATE_IDS);
  });

  it('every docs/gates/ page is a gate of the list', () => {
    const pages = readdirSync('docs/gates')
      .filter((f) => f.endsWith('.md'))
      .map((f) => f.replace(/\.md$/, ''));
    expect(pages.sort()).toEqual([...GATE_IDS].sort());
  });

  it.each(GATES.map((g) => [g.id, g] as const))(
    '%s: defaults parse; it has a title, needs, a docs page and goldens',
    (id, gate) => {
      expect(() => gate.config.parse({})).not.toThrow();
      expect(gate.title.length).toBeGreaterThan(3);
      // A gate that reads only what every snapshot holds (the title) needs no slice.
      expect(new Set(gate.needs).size).toBe(gate.needs.length);
      expect(existsSync(`docs/gates/${id}.md`)).toBe(true);
      for (const golden of ['pass', 'fail']) expect(existsSync(`gates/${id}/__golden__/${golden}.md`)).toBe(true);
    },
  );

  it('enables the first five gates by default in mode block, the later ones never by default, and none with mode off', () => {
    expect(enabledGates(DEFAULT_CONFIG).map((g) => [g.gate.id, g.mode])).toEqual(FIRST_FIVE.map((id) => [id, 'block']));
    // Gates added later are off unless their own mode turns them on: an upgrade never blocks (docs/compatibility.md).
    const warn = { ...DEFAULT_CONFIG, defaults: { mode: 'warn' as const } };
    expect(enabledGates(warn).map((g) => g.gate.id)).toEqual(FIRST_FIVE);
    const off = { ...DEFAULT_CONFIG, defaults: { mode: 'off' as const } };
    expect(enabledGates(off)).toEqual([]);
    const later = GATE_IDS.filter((id) => !FIRST_FIVE.includes(id));
    expect(later).toEqual(['pr-description', 'conventional-title', 'branch-age']);
    for (const id of later) expect(DEFAULT_CONFIG.gates[id].mode).toBe('off');
  });

  it('runs the gates in its order, which is the check-run order', () => {
    const all = QualityGatesConfig.parse({ gates: Object.fromEntries(GATE_IDS.map((id) => [id, { mode: 'block' }])) });
    expect(runGates(aSnapshot(), all).map((o) => o.id)).toEqual(GATE_IDS);
  });
});
