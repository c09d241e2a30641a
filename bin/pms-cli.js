#!/usr/bin/env node
// pms-cli: the PMS protocol from a terminal (src/cli/). `pms-cli help` lists the commands.
import { runEntry } from './entry.js';

await runEntry('cli/main');
