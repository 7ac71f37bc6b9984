import { fc, test } from '@fast-check/vitest';
import { Temporal } from 'temporal-polyfill';
import { describe, expect } from 'vitest';
import { projectEmployeeDays } from './project';
import { roundPunch } from './rounding';
import { resolveRules, type TimeRulesOverride } from './rules';
import { addDays, localDateOf, minutesInLocalDay, offsetMsAt, startOfLocalDay, startOfWeek } from './time';
import type { AttendanceEvent, ProjectionInput, PunchEvent, PunchType, ShiftAssignment } from './types';

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe', // 30-minute DST
  'Asia/Kolkata', // +05:30, no DST
  'America/Santiago', // DST changes at midnight
  'Pacific/Apia', // +13, no DST since 2021
] as const;

const MINUTE = 60_000;
const isoOf = (ms: number) => new Date(ms).toISOString();

/** 2026 DST changes in ZONES (UTC): start from them often, so generated days cross them. */
const DST_CHANGES = [
  '2026-03-29T01:00:00Z', // Berlin spring
  '2026-10-25T01:00:00Z', // Berlin autumn
  '2026-03-08T07:00:00Z', // New York spring
  '2026-11-01T06:00:00Z', // New York autumn
  '2026-04-04T15:00:00Z', // Lord Howe autumn (02:00 → 01:30)
  '2026-10-03T15:30:00Z', // Lord Howe spring (02:00 → 02:30)
  '2026-04-05T03:00:00Z', // Santiago autumn (24:00 → 23:00)
  '2026-09-06T04:00:00Z', // Santiago spring (24:00 → 01:00)
].map((iso) => Date.parse(iso));

/** A minute-aligned instant in 2026, half the time within a day and a half of a DST change. */
const baseMs = fc.oneof(
  fc
    .tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -36 * 60, max: 12 * 60 }))
    .map(([change, minutes]) => change + minutes * MINUTE),
  fc
    .integer({
      min: Date.parse('2026-01-02T00:00:00Z') / MINUTE,
      max: Date.parse('2026-12-28T00:00:00Z') / MINUTE,
    })
    .map((m) => m * MINUTE),
);
const zone = fc.constantFrom(...ZONES);
const punchType = fc.constantFrom<PunchType>('clock_in', 'clock_out', 'break_start', 'break_end');

function rangeAround(firstMs: number, lastMs: number, tz: string) {
  return { from: localDateOf(firstMs, tz), to: localDateOf(lastMs, tz) };
}

function baseInput(
  tz: string,
  events: AttendanceEvent[],
  from: number,
  to: number,
  rules?: TimeRulesOverride,
) {
  return {
    employeeId: 'emp',
    timeZone: tz,
    weekStart: 1,
    range: rangeAround(from, to, tz),
    asOf: isoOf(to + 7 * 24 * 60 * MINUTE),
    events,
    rules: resolveRules(rules),
  } satisfies ProjectionInput;
}

const minutesBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / MINUTE;

describe('pairing never loses or double-counts a minute', () => {
  /** Disjoint in → out intervals, gaps wider than the double-tap window. */
  const intervals = fc.array(
    fc.record({ gap: fc.integer({ min: 3, max: 20 * 60 }), duration: fc.integer({ min: 1, max: 14 * 60 }) }),
    { minLength: 1, maxLength: 12 },
  );

  test.prop([zone, baseMs, intervals], { numRuns: 200 })(
    'worked minutes equal the sum of the in → out intervals',
    (tz, base, spans) => {
      const events: PunchEvent[] = [];
      let t = base;
      let expected = 0;
      spans.forEach(({ gap, duration }, i) => {
        t += gap * MINUTE;
        events.push({ id: `in-${i}`, type: 'clock_in', occurredAt: isoOf(t) });
        t += duration * MINUTE;
        events.push({ id: `out-${i}`, type: 'clock_out', occurredAt: isoOf(t) });
        expected += duration;
      });
      const first = Date.parse(events[0]!.occurredAt);
      const p = projectEmployeeDays(baseInput(tz, events, first, t));

      expect(p.entries).toHaveLength(spans.length);
      expect(p.totals.workedMinutes).toBe(expected);
      expect(p.totals.workedMinutes).toBe(p.entries.reduce((s, e) => s + minutesBetween(e.start, e.end!), 0));
      expect(p.totals.workedMinutes).toBeLessThanOrEqual((t - first) / MINUTE);
      expect(p.exceptions).toEqual([]);
    },
  );

  /** Messy punch streams: any type, any order, ties and seconds. */
  const messyPunches = fc.array(
    fc.record({
      type: punchType,
      minute: fc.oneof(fc.integer({ min: 0, max: 3 * 24 * 60 }), fc.constantFrom(0, 1, 30, 480, 481, 1440)),
      second: fc.integer({ min: 0, max: 59 }),
    }),
    { minLength: 1, maxLength: 40 },
  );

  test.prop([zone, baseMs, messyPunches], { numRuns: 200 })(
    'messy streams: entries are disjoint, made of real punches, and add up to the totals',
    (tz, base, raw) => {
      const events: PunchEvent[] = raw.map((r, i) => ({
        id: `e${String(i).padStart(2, '0')}`,
        type: r.type,
        occurredAt: isoOf(base + r.minute * MINUTE + r.second * 1000),
      }));
      const times = events.map((e) => Date.parse(e.occurredAt));
      const first = Math.min(...times);
      const last = Math.max(...times);
      const p = projectEmployeeDays(baseInput(tz, events, first, last));

      const instantsOf = (type: PunchType) =>
        new Set(events.filter((e) => e.type === type).map((e) => Date.parse(e.occurredAt)));
      const clockIns = instantsOf('clock_in');
      const clockOuts = instantsOf('clock_out');
      const complete = p.entries.filter((e) => e.status === 'complete');
      for (const e of complete) {
        expect(clockIns.has(Date.parse(e.start))).toBe(true);
        expect(clockOuts.has(Date.parse(e.end!))).toBe(true);
      }
      for (let i = 1; i < complete.length; i++) {
        expect(Date.parse(complete[i]!.start)).toBeGreaterThanOrEqual(Date.parse(complete[i - 1]!.end!));
      }
      const gross = complete.reduce(
        (s, e) => s + minutesBetween(e.roundedStart, e.roundedEnd!) - e.overlapMinutes,
        0,
      );
      const breaks = complete.reduce((s, e) => s + e.breakMinutes, 0);
      expect(p.totals.grossMinutes).toBe(gross);
      expect(p.totals.workedMinutes).toBe(gross - breaks);
      expect(p.totals.grossMinutes).toBeLessThanOrEqual(Math.ceil((last - first) / MINUTE));
      expect(p.days.reduce((s, d) => s + d.workedMinutes, 0)).toBe(p.totals.workedMinutes);
    },
  );
});

describe('results do not depend on arrival order', () => {
  const RULE_SETS: TimeRulesOverride[] = [
    {},
    {
      rounding: { stepMinutes: 15, mode: 'nearest' },
      overtime: {
        daily: [
          { afterMinutes: 480, multiplier: 1.5 },
          { afterMinutes: 720, multiplier: 2 },
        ],
        weekly: { afterMinutes: 2400, multiplier: 1.5 },
      },
      breaks: { paidMinutesPerDay: 15, autoDeduct: { afterMinutes: 360, minutes: 30 } },
      compliance: {
        maxShiftMinutes: 600,
        minRestMinutes: 660,
        requiredBreaks: [{ afterMinutes: 360, minBreakMinutes: 30 }],
      },
    },
  ];
  const SHIFTS = [
    { id: 'day', startTime: '08:00', endTime: '16:00', lateGraceMinutes: 5, breakMinutes: 30 },
    { id: 'night', startTime: '22:00', endTime: '06:00', lateGraceMinutes: 0 },
  ];

  const scenario = fc.record({
    punches: fc.array(
      fc.record({
        type: punchType,
        minute: fc.oneof(fc.integer({ min: 0, max: 4 * 24 * 60 }), fc.constantFrom(0, 480, 481, 1440, 1441)),
        id: fc.integer({ min: 0, max: 60 }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
    adjustments: fc.array(
      fc.record({
        kind: fc.constantFrom('edit', 'delete', 'manual'),
        target: fc.integer({ min: 0, max: 60 }),
        minute: fc.integer({ min: 0, max: 4 * 24 * 60 }),
        duration: fc.integer({ min: 1, max: 600 }),
        recorded: fc.integer({ min: 0, max: 3 }),
      }),
      { maxLength: 6 },
    ),
    resent: fc.array(fc.nat(), { maxLength: 5 }),
    shiftDays: fc.array(fc.record({ day: fc.integer({ min: 0, max: 4 }), shift: fc.nat({ max: 1 }) }), {
      maxLength: 4,
    }),
    rules: fc.nat({ max: RULE_SETS.length - 1 }),
    lockDays: fc.nat({ max: 3 }),
    order: fc.array(fc.double({ noNaN: true }), { minLength: 50, maxLength: 50 }),
  });

  test.prop([zone, baseMs, scenario], { numRuns: 200 })(
    'shuffled events give an identical projection',
    (tz, base, s) => {
      const at = (minute: number) => isoOf(base + minute * MINUTE);
      const events: AttendanceEvent[] = s.punches.map((p) => ({
        id: `p${String(p.id).padStart(2, '0')}`,
        type: p.type,
        occurredAt: at(p.minute),
        receivedAt: at(p.minute + p.id * 60),
      }));
      s.adjustments.forEach((a, i) => {
        const meta = { id: `a${i}`, actorId: 'mgr', reason: 'fix', recordedAt: at(a.recorded * 1440) };
        const targetId = `p${String(a.target).padStart(2, '0')}`;
        if (a.kind === 'manual') {
          events.push({ ...meta, type: 'manual_entry', start: at(a.minute), end: at(a.minute + a.duration) });
        } else if (a.kind === 'delete') {
          events.push({ ...meta, type: 'delete', targetId });
        } else {
          events.push({ ...meta, type: 'edit', targetId, occurredAt: at(a.minute) });
        }
      });
      for (const i of s.resent) if (events.length > 0) events.push({ ...events[i % events.length]! });

      const from = localDateOf(base, tz);
      const shifts: ShiftAssignment[] = s.shiftDays.map(({ day, shift }) => ({
        date: localDateOf(base + day * 1440 * MINUTE, tz),
        shift: SHIFTS[shift]!,
      }));
      const input: ProjectionInput = {
        ...baseInput(tz, events, base, base + 4 * 1440 * MINUTE, RULE_SETS[s.rules]),
        shifts,
        lockedPeriods: [{ start: from, end: from, lockedAt: at(s.lockDays * 1440) }],
        leave: [{ date: from, minutes: 240, isPaid: true }],
      };

      const expected = projectEmployeeDays(input);
      const shuffled = events
        .map((event, i) => ({ event, key: s.order[i % s.order.length]! + i * 1e-9 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.event);
      expect(projectEmployeeDays({ ...input, events: shuffled })).toEqual(expected);
      expect(projectEmployeeDays({ ...input, events: [...events].reverse() })).toEqual(expected);
    },
  );
});

describe('a locked period does not change', () => {
  const lockedScenario = fc.record({
    onTime: fc.array(fc.record({ type: punchType, minute: fc.integer({ min: -600, max: 8 * 1440 }) }), {
      maxLength: 25,
    }),
    late: fc.array(
      fc.record({
        type: fc.constantFrom(
          'clock_in',
          'clock_out',
          'break_start',
          'break_end',
          'manual',
          'edit',
          'delete',
        ),
        minute: fc.integer({ min: -600, max: 15 * 1440 }),
        duration: fc.integer({ min: 1, max: 900 }),
        target: fc.nat(),
      }),
      { maxLength: 10 },
    ),
    rules: fc.constantFrom<TimeRulesOverride>(
      {},
      {
        rounding: { stepMinutes: 15, mode: 'employee_favour' },
        overtime: {
          daily: [{ afterMinutes: 480, multiplier: 1.5 }],
          weekly: { afterMinutes: 2400, multiplier: 1.5 },
        },
        breaks: { paidMinutesPerDay: 10, autoDeduct: { afterMinutes: 360, minutes: 30 } },
        compliance: {
          maxShiftMinutes: 600,
          minRestMinutes: 660,
          requiredBreaks: [{ afterMinutes: 360, minBreakMinutes: 30 }],
        },
      },
    ),
    shiftDays: fc.array(fc.record({ day: fc.integer({ min: -1, max: 14 }), night: fc.boolean() }), {
      maxLength: 8,
    }),
  });

  test.prop([zone, baseMs, lockedScenario], { numRuns: 200 })(
    'events recorded after the lock leave its days and entries as they were',
    (tz, base, s) => {
      const monday = startOfWeek(localDateOf(base, tz), 1);
      const weekStartMs = startOfLocalDay(monday, tz);
      const lockedAt = isoOf(weekStartMs + 9 * 1440 * MINUTE);
      const at = (minute: number) => isoOf(weekStartMs + minute * MINUTE);
      const onTime: AttendanceEvent[] = s.onTime.map((e, i) => ({
        id: `t${String(i).padStart(2, '0')}`,
        type: e.type,
        occurredAt: at(e.minute),
        receivedAt: at(e.minute),
      }));
      const late: AttendanceEvent[] = s.late.map((e, i) => {
        const id = `l${String(i).padStart(2, '0')}`;
        const meta = { id, actorId: 'mgr', reason: 'late fix', recordedAt: at(10 * 1440 + i) };
        const targetId = onTime.length > 0 ? onTime[e.target % onTime.length]!.id : 'none';
        switch (e.type) {
          case 'manual':
            return { ...meta, type: 'manual_entry', start: at(e.minute), end: at(e.minute + e.duration) };
          case 'edit':
            return { ...meta, type: 'edit', targetId, occurredAt: at(e.minute) };
          case 'delete':
            return { ...meta, type: 'delete', targetId };
          default:
            return { id, type: e.type, occurredAt: at(e.minute), receivedAt: at(10 * 1440 + i) };
        }
      });
      const week = { from: monday, to: addDays(monday, 6) };
      const projectWith = (events: AttendanceEvent[]) =>
        projectEmployeeDays({
          ...baseInput(tz, events, weekStartMs, weekStartMs),
          range: { from: addDays(monday, -7), to: addDays(monday, 13) },
          rules: resolveRules(s.rules),
          // Long after the lock, as when the hub recomputes: nothing in the locked week is still "open".
          asOf: isoOf(weekStartMs + 40 * 1440 * MINUTE),
          lockedPeriods: [{ start: week.from, end: week.to, lockedAt }],
          shifts: s.shiftDays.map(({ day, night }) => ({
            date: addDays(monday, day),
            shift: night
              ? { id: 'night', startTime: '22:00', endTime: '06:00', lateGraceMinutes: 5 }
              : { id: 'day', startTime: '08:00', endTime: '16:00', lateGraceMinutes: 5, breakMinutes: 30 },
          })),
        });
      const lockedPart = (p: ReturnType<typeof projectEmployeeDays>) => ({
        days: p.days
          .filter((d) => d.date >= week.from && d.date <= week.to)
          .map(({ exceptionIds: _ignored, ...rest }) => rest),
        entries: p.entries.filter((e) => e.workDate >= week.from && e.workDate <= week.to),
        // A locked day gains "late" flags, and nothing else about it changes.
        exceptions: p.exceptions.filter(
          (e) => e.workDate >= week.from && e.workDate <= week.to && e.code !== 'late_event_in_locked_period',
        ),
      });
      expect(lockedPart(projectWith([...onTime, ...late]))).toEqual(lockedPart(projectWith(onTime)));
    },
  );
});

describe('local days are 23, 24 or 25 hours', () => {
  const LENGTHS = new Set([1380, 1410, 1440, 1470, 1500]); // Lord Howe's DST is 30 minutes

  /** DST changes per year in 2026 (one short and one long day), from the tz database. */
  const DST_DAYS_2026: Record<(typeof ZONES)[number], number> = {
    'Europe/Berlin': 2,
    'America/New_York': 2,
    'Australia/Lord_Howe': 2,
    'Asia/Kolkata': 0,
    'America/Santiago': 2,
    'Pacific/Apia': 0,
  };

  test.prop([zone], { numRuns: 12 })('the days of 2026 sum to 525,600 minutes', (tz) => {
    const p = projectEmployeeDays({
      ...baseInput(tz, [], 0, 0),
      range: { from: '2026-01-01', to: '2026-12-31' },
    });
    expect(p.days).toHaveLength(365);
    for (const d of p.days) expect(LENGTHS.has(d.dayMinutes)).toBe(true);
    expect(p.days.reduce((s, d) => s + d.dayMinutes, 0)).toBe(525_600);
    expect(p.days.filter((d) => d.dayMinutes !== 1440)).toHaveLength(DST_DAYS_2026[tz]);
  });

  test.prop([zone, baseMs], { numRuns: 200 })(
    'working from one local midnight to the next counts exactly the day’s length',
    (tz, base) => {
      const date = Temporal.Instant.fromEpochMilliseconds(base).toZonedDateTimeISO(tz).toPlainDate();
      const midnight = (d: Temporal.PlainDate) => d.toZonedDateTime({ timeZone: tz }).epochMilliseconds;
      const start = midnight(date);
      const end = midnight(date.add({ days: 1 }));
      const events: PunchEvent[] = [
        { id: 'in', type: 'clock_in', occurredAt: isoOf(start) },
        { id: 'out', type: 'clock_out', occurredAt: isoOf(end) },
      ];
      const p = projectEmployeeDays({
        ...baseInput(tz, events, start, start),
        rules: resolveRules({ maxOpenEntryMinutes: 26 * 60 }),
      });
      const [day] = p.days;
      expect(day!.date).toBe(date.toString());
      expect(day!.workedMinutes).toBe(day!.dayMinutes);
      expect(day!.workedMinutes).toBe((end - start) / MINUTE);
      expect(LENGTHS.has(day!.dayMinutes)).toBe(true);
    },
  );

  test.prop(
    [zone, fc.date({ min: new Date('1990-01-01'), max: new Date('2090-12-31'), noInvalidDate: true })],
    {
      numRuns: 200,
    },
  )('any day between 1990 and 2090 is 22–26 h and spans start to start', (tz, date) => {
    const d = date.toISOString().slice(0, 10);
    const minutes = minutesInLocalDay(d, tz);
    expect(minutes).toBeGreaterThanOrEqual(22 * 60);
    expect(minutes).toBeLessThanOrEqual(26 * 60);
    expect(localDateOf(startOfLocalDay(d, tz), tz)).toBe(d);
    expect(localDateOf(startOfLocalDay(d, tz) - 1, tz)).not.toBe(d);
  });
});

describe('rounding never moves an entry by more than the step', () => {
  const step = fc.constantFrom(1, 5, 6, 10, 15, 30, 60);
  const mode = fc.constantFrom('nearest', 'up', 'down', 'employee_favour', 'employer_favour' as const);

  test.prop(
    [zone, baseMs, fc.integer({ min: 0, max: 59_999 }), step, mode, fc.constantFrom('start', 'end' as const)],
    {
      numRuns: 500,
    },
  )('roundPunch lands on the local grid within one step', (tz, base, jitter, stepMinutes, m, edge) => {
    const ms = base + jitter;
    const rounded = roundPunch(ms, edge, { stepMinutes, mode: m }, tz);
    expect(Math.abs(rounded - ms)).toBeLessThan(stepMinutes * MINUTE);
    const local = rounded + offsetMsAt(ms, tz);
    expect(((local % (stepMinutes * MINUTE)) + stepMinutes * MINUTE) % (stepMinutes * MINUTE)).toBe(0);
  });

  test.prop([zone, baseMs, fc.integer({ min: 0, max: 16 * 60 * 60 }), step, mode], { numRuns: 200 })(
    'projected entries move by at most one step at each end',
    (tz, base, seconds, stepMinutes, m) => {
      const end = base + seconds * 1000;
      const events: PunchEvent[] = [
        { id: 'in', type: 'clock_in', occurredAt: isoOf(base) },
        { id: 'out', type: 'clock_out', occurredAt: isoOf(end) },
      ];
      const p = projectEmployeeDays(baseInput(tz, events, base, end, { rounding: { stepMinutes, mode: m } }));
      const [entry] = p.entries;
      expect(Math.abs(minutesBetween(entry!.start, entry!.roundedStart))).toBeLessThanOrEqual(stepMinutes);
      expect(Math.abs(minutesBetween(entry!.end!, entry!.roundedEnd!))).toBeLessThanOrEqual(stepMinutes);
      expect(entry!.grossMinutes).toBeGreaterThanOrEqual(0);
    },
  );
});
