// The README is a newcomer's only guide: its configuration table must list every key the engine reads,
// with the environment variable and default the code uses, and it must show the test command CI runs.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KEYS } from '../../src/config/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');

it('the README documents every configuration key with its variable and default', () => {
  for (const k of KEYS) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${k.path}\` |`));
    assert.ok(row, `README has no row for ${k.path}`);
    assert.ok(row.includes(`\`${k.env}\``), `${k.path}: env ${k.env}`);
    if (k.defaultDoc) assert.ok(row.includes(` ${k.defaultDoc} `), `${k.path}: default ${k.defaultDoc}`);
    else if (typeof k.default === 'number' || (typeof k.default === 'string' && k.default !== ''))
      assert.ok(row.includes(` ${String(k.default)} `), `${k.path}: default ${String(k.default)}`);
  }
});

it('.ci/run runs the test command the README gives', () => {
  assert.match(ci, /^make test$/m);
  assert.match(readme, /^make test\b/m);
});
