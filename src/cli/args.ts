// Command-line words: splitting an interactive line like a shell does (quotes, backslash), and reading
// `--option value` / `--flag` / positionals against what a command accepts. No I/O.

/** A mistake in what the user typed: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Splits a line into words: whitespace separates, '…' is literal, "…" allows \" and \\, a backslash
 * outside quotes escapes the next character. Guest names with spaces or Chinese text pass through whole.
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`unclosed ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

export interface OptionSpec {
  /** Takes a value (`--name Li`, `--name=Li`); otherwise a flag (`--cancel`). */
  value: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string>;
}

/**
 * Reads `words` against the accepted options (by long name, without `--`). `--` ends the options, so a
 * positional may start with a dash. Unknown options and missing values are usage errors.
 */
export function parseArgs(words: readonly string[], specs: Readonly<Record<string, OptionSpec>>): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      positionals.push(...words.slice(i + 1));
      break;
    }
    if (!w.startsWith('--') || w.length === 2) {
      positionals.push(w);
      continue;
    }
    const eq = w.indexOf('=');
    const name = eq === -1 ? w.slice(2) : w.slice(2, eq);
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs);
      throw new UsageError(
        `unknown option --${name}${known.length ? ` (options: ${known.map((k) => `--${k}`).join(', ')})` : ''}`,
      );
    }
    if (options.has(name)) throw new UsageError(`--${name} given twice`);
    if (!spec.value) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      options.set(name, '');
    } else if (eq !== -1) {
      options.set(name, w.slice(eq + 1));
    } else {
      const v = words[i + 1];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, v);
      i++;
    }
  }
  return { positionals, options };
}
