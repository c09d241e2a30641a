// Small figures helpers for the benchmarks: percentiles of samples and fixed formatting.
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const ms = (x: number, digits = 2): string => `${x.toFixed(digits)} ms`;

export const perSecond = (count: number, elapsedMs: number): string =>
  `${Math.round((count / elapsedMs) * 1000).toLocaleString('en-US')}/s`;

/** Prints rows as a Markdown table (the README and the closing note take it as it is). */
export function printTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  console.log(line(header));
  console.log(line(header.map(() => '---')));
  for (const r of rows) console.log(line(r));
}
