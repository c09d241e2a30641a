#!/usr/bin/env node
// pms-provision: the rooms' PJSIP endpoints and SIP passwords from the configuration (src/provision/).
import { runEntry } from './entry.js';

await runEntry('provision/main');
