/**
 * @module Daily and weekly overtime on worked minutes.
 *
 * Daily tiers first; the weekly threshold then counts only the minutes that are still regular, so no
 * minute is paid as overtime twice and each minute carries the highest multiplier that applies
 * (the California / FLSA convention).
 */
import type { OvertimeMinutes, OvertimeTier } from './types';

export interface DailySplit {
  regularMinutes: number;
  overtime: OvertimeMinutes[];
}

/**
 * Splits one day's worked minutes into regular and overtime by the daily tiers.
 *
 * @example
 * splitDailyOvertime(780, [{ afterMinutes: 480, multiplier: 1.5 }, { afterMinutes: 720, multiplier: 2 }]);
 * // → { regularMinutes: 480, overtime: [{ multiplier: 1.5, minutes: 240 }, { multiplier: 2, minutes: 60 }] }
 */
export function splitDailyOvertime(workedMinutes: number, tiers: readonly OvertimeTier[]): DailySplit {
  const sorted = [...tiers].sort((a, b) => a.afterMinutes - b.afterMinutes || a.multiplier - b.multiplier);
  const overtime: OvertimeMinutes[] = [];
  let regular = workedMinutes;
  sorted.forEach((tier, i) => {
    const next = sorted[i + 1]?.afterMinutes ?? Infinity;
    const minutes = Math.max(0, Math.min(workedMinutes, next) - tier.afterMinutes);
    if (minutes > 0) {
      overtime.push({ multiplier: tier.multiplier, minutes });
      regular -= minutes;
    }
  });
  return { regularMinutes: regular, overtime };
}

/**
 * Applies the weekly threshold to a week's days in date order (mutates and returns the splits). The
 * day on which the running total of regular minutes crosses the threshold gets the excess, and
 * every later day of the week is overtime in full.
 */
export function applyWeeklyOvertime(days: DailySplit[], weekly: OvertimeTier | null): DailySplit[] {
  if (!weekly) return days;
  let before = 0;
  for (const day of days) {
    const after = before + day.regularMinutes;
    const minutes = Math.max(0, after - Math.max(before, weekly.afterMinutes));
    before = after;
    if (minutes > 0) {
      day.regularMinutes -= minutes;
      day.overtime.push({ multiplier: weekly.multiplier, minutes });
    }
  }
  return days;
}

/** Sums overtime by multiplier, sorted by multiplier. */
export function mergeOvertime(parts: readonly OvertimeMinutes[]): OvertimeMinutes[] {
  const byMultiplier = new Map<number, number>();
  for (const p of parts) byMultiplier.set(p.multiplier, (byMultiplier.get(p.multiplier) ?? 0) + p.minutes);
  return [...byMultiplier.entries()]
    .filter(([, minutes]) => minutes > 0)
    .sort(([a], [b]) => a - b)
    .map(([multiplier, minutes]) => ({ multiplier, minutes }));
}
