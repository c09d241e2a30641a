#!/usr/bin/env node
// pms-engine: the engine (`pms-engine`, `pms-engine run`) and its tools (`pms-engine hash-password`).
import { runEntry } from './entry.js';

await runEntry('engine-cli/main');
