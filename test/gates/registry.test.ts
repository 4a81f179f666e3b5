import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATE_IDS, GATES } from '../../gates/registry.js';
import { DEFAULT_CONFIG } from '../../gates/config.js';
import { enabledGates } from '../../src/pipeline/run-gates.js';

describe('gate registry', () => {
  it('has unique ids, in the order of SPEC §5', () => {
    const ids = GATES.map((g) => g.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(GATE_IDS.filter((id) => ids.includes(id)));
  });

  it.each(GATES.map((g) => [g.id, g] as const))('%s: defaults parse, has a title, needs and docs', (id, gate) => {
    expect(() => gate.config.parse({})).not.toThrow();
    expect(gate.title.length).toBeGreaterThan(3);
    expect(gate.needs.length).toBeGreaterThan(0);
    const documented = readFileSync('README.md', 'utf8').includes(`### ${id}`) || existsSync(`docs/gates/${id}.md`);
    expect(documented).toBe(true);
  });

  it('enables every registered gate by default in mode block, and none with mode off', () => {
    expect(enabledGates(DEFAULT_CONFIG).map((g) => [g.gate.id, g.mode])).toEqual(GATES.map((g) => [g.id, 'block']));
    const off = { ...DEFAULT_CONFIG, defaults: { mode: 'off' as const } };
    expect(enabledGates(off)).toEqual([]);
  });
});
