// Debian's Chromium (installed by lab/up.sh) driven by playwright-core, for the console's browser
// tests. Headless, no sandbox (root), and no background networking: this machine's network is closed,
// and Chromium's own connections would otherwise be refused by the dozen. A missing Chromium fails
// the test (it never skips).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run lab/up.sh (it installs Debian's chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
