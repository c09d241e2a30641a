#!/usr/bin/env node
/* global URL, console, process */
// pms-fias-sim: a FIAS PMS interface simulator for trying the engine's FIAS link by hand
// (test/fias/sim-main.ts). Test infrastructure: it runs from a checkout after npm ci (tsx, a dev
// dependency), not from the engine image, which holds neither test/ nor tsx.
import { existsSync } from 'node:fs';

const source = new URL('../test/fias/sim-main.ts', import.meta.url);
const tsx =
  existsSync(source) &&
  (await import('tsx/esm/api').then(
    (m) => (m.register(), true),
    () => false,
  ));
if (tsx) await import(source.href);
else {
  console.error('pms-fias-sim runs from a checkout: test/fias/sim-main.ts and tsx are needed (npm ci)');
  process.exit(3);
}
