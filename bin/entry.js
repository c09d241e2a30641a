/* global URL, console, process */
// Shared by the bin/ commands. In a clone it runs the TypeScript source through tsx (a dev dependency),
// so a command is never older than the code; in the engine image, which holds only the compiled dist/
// and production dependencies, it runs the build.
import { existsSync } from 'node:fs';

/** `name`: the entry module under src/ without extension, e.g. "cli/main". */
export async function runEntry(name) {
  const source = new URL(`../src/${name}.ts`, import.meta.url);
  const compiled = new URL(`../dist/src/${name}.js`, import.meta.url);
  const tsx =
    existsSync(source) &&
    (await import('tsx/esm/api').then(
      (m) => (m.register(), true),
      () => false,
    ));
  if (tsx) await import(source.href);
  else if (existsSync(compiled)) await import(compiled.href);
  else {
    console.error(`neither src/${name}.ts with tsx (run npm ci) nor dist/src/${name}.js (run npm run build)`);
    process.exit(3);
  }
}
