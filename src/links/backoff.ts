// Reconnect delays for the PBX links: capped exponential backoff with "equal jitter". Half of each
// delay is fixed so a link never hammers a restarting Asterisk; the other half is random so several
// links (AMI, ARI, other engines) that dropped together do not come back in lock-step.
import type { BackoffConfig } from '../config/index.js';

/**
 * Delay before reconnect attempt `attempt` (1 = first retry after a drop or failed connect).
 * The ceiling doubles from `initialDelayMs` up to `maxDelayMs`; the result lies in [ceiling/2, ceiling].
 * `random` is injectable for tests (must return a number in [0, 1)).
 */
export function backoffDelay(
  attempt: number,
  config: BackoffConfig,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(attempt, config);
  const half = ceiling / 2;
  return Math.round(half + half * clamp01(random()));
}

/** The un-jittered ceiling of attempt `attempt`: initial × 2^(attempt−1), capped. */
export function backoffCeiling(attempt: number, config: BackoffConfig): number {
  const initial = Math.max(1, config.initialDelayMs);
  const max = Math.max(initial, config.maxDelayMs);
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2^31 and beyond only matter as "above the cap"; avoid Infinity arithmetic.
  if (exponent >= 31) return max;
  return Math.min(max, initial * 2 ** exponent);
}

function clamp01(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}
