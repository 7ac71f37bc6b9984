/**
 * @module Default time rules and the org → site → employee override merge.
 */
import type { BreakRules, ComplianceRules, OvertimeRules, RoundingRule, TimeRules } from './types';

/**
 * Neutral defaults: no rounding beyond dropping seconds, no overtime, unpaid breaks, no compliance
 * checks. A punch repeated within 2 minutes is a double tap at the kiosk; a clock-in up to 2 h before a
 * shift belongs to it; an entry open for more than 16 h is a forgotten clock-out.
 */
export const DEFAULT_RULES: TimeRules = Object.freeze({
  rounding: { stepMinutes: 1, mode: 'down' },
  overtime: { daily: [], weekly: null },
  breaks: { paidMinutesPerDay: 0, autoDeduct: null },
  compliance: { maxShiftMinutes: null, minRestMinutes: null, requiredBreaks: [] },
  duplicateWindowMinutes: 2,
  shiftMatchWindowMinutes: 120,
  farFromShiftMinutes: 180,
  maxOpenEntryMinutes: 16 * 60,
}) as TimeRules;

/** One layer of overrides: any rule group may be replaced in part. Arrays replace, never merge. */
export interface TimeRulesOverride {
  rounding?: Partial<RoundingRule>;
  overtime?: Partial<OvertimeRules>;
  breaks?: Partial<BreakRules>;
  compliance?: Partial<ComplianceRules>;
  duplicateWindowMinutes?: number;
  shiftMatchWindowMinutes?: number;
  farFromShiftMinutes?: number;
  maxOpenEntryMinutes?: number;
}

/**
 * Merges policy layers over the defaults, later layers winning field by field (org, then site, then
 * employee). `undefined` leaves the lower layer's value; `null` clears a nullable rule.
 *
 * @example
 * const rules = resolveRules(orgPolicy, sitePolicy, { compliance: { maxShiftMinutes: 600 } });
 */
export function resolveRules(...layers: (TimeRulesOverride | null | undefined)[]): TimeRules {
  let rules: TimeRules = structuredClone(DEFAULT_RULES);
  for (const layer of layers) {
    if (!layer) continue;
    rules = {
      rounding: { ...rules.rounding, ...defined(layer.rounding) },
      overtime: { ...rules.overtime, ...defined(layer.overtime) },
      breaks: { ...rules.breaks, ...defined(layer.breaks) },
      compliance: { ...rules.compliance, ...defined(layer.compliance) },
      duplicateWindowMinutes: layer.duplicateWindowMinutes ?? rules.duplicateWindowMinutes,
      shiftMatchWindowMinutes: layer.shiftMatchWindowMinutes ?? rules.shiftMatchWindowMinutes,
      farFromShiftMinutes: layer.farFromShiftMinutes ?? rules.farFromShiftMinutes,
      maxOpenEntryMinutes: layer.maxOpenEntryMinutes ?? rules.maxOpenEntryMinutes,
    };
  }
  return rules;
}

function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
