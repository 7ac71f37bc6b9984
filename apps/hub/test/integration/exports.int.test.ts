/**
 * Payroll and punch-log exports end to end: punches through kiosk sync, projected by the projection
 * job, exported as CSV (escaped, formula-safe) and XLSX (read back with exceljs: typed cells).
 */
import { withOrgScope } from '@clockface/db-hub';
import { listPayrollRows, listPunchLog, upsertTimePolicy } from '@clockface/db-hub/queries';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainProjectionQueue } from '../../src/services/projection.service';
import { csvCell } from '../../src/services/exports.service';
import { countAllRows } from '../helpers/db-snapshot';
import { parseCsv } from '../helpers/exports';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';
import { createEnrollmentToken, registerKiosk } from '../helpers/test-kiosk';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
const ids: Record<string, string> = {};
const RANGE = 'from=2026-11-02&to=2026-11-15';

async function download(path: string) {
  const response = await hub.runtime.app.request(`/api/orgs/${owner.orgId}${path}`, {
    headers: { authorization: `Bearer ${owner.accessToken}` },
  });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub, { organizationName: 'Ünïcode & Sons, Ltd.' });
  const as = async (method: string, path: string, body: unknown) => {
    const response = await hub.request(method, `/api/orgs/${owner.orgId}${path}`, {
      token: owner.accessToken,
      body,
    });
    expect(response.status).toBeLessThan(300);
    return response.body;
  };
  await as('PATCH', '', { timeZone: 'Europe/Berlin' });
  ids.department = (await as('POST', '/departments', { name: 'Packing, "North"' })).id;
  ids.site = (await as('POST', '/sites', { name: 'Plant', timeZone: 'Europe/Berlin' })).id;
  ids.ann = (
    await as('POST', '/employees', { code: 'A1', name: 'Ann Müller', departmentId: ids.department })
  ).id;
  // A name a spreadsheet would run as a formula if it were written raw.
  ids.mallory = (await as('POST', '/employees', { code: 'M1', name: '=HYPERLINK("http://x.test","ok")' })).id;
  await withOrgScope(hub.runtime.deps.db, owner.orgId, async (tx) => {
    // Weekly periods: the two weeks of the range are two payroll rows per employee. (Set here
    // because the org settings API for periods belongs to another part.)
    await tx.execute(sql`update organizations set period_frequency = 'weekly' where id = ${owner.orgId}`);
    await upsertTimePolicy(tx, {
      orgId: owner.orgId,
      target: { scope: 'org' },
      rules: {
        overtime: {
          daily: [
            { afterMinutes: 480, multiplier: 1.5 },
            { afterMinutes: 600, multiplier: 2 },
          ],
        },
      },
    });
  });
  const kiosk = await registerKiosk(
    hub,
    (await createEnrollmentToken(hub, owner, { siteId: ids.site })).token,
  );
  const punches: [employeeId: string | undefined, type: string, at: string][] = [
    // Week 1: Ann 11 h with a 30 min break → 10.5 h: 8 regular, 2 at 1.5×, 0.5 at 2×.
    [ids.ann, 'clock_in', '2026-11-02T07:00:00+01:00'],
    [ids.ann, 'break_start', '2026-11-02T12:00:00+01:00'],
    [ids.ann, 'break_end', '2026-11-02T12:30:00+01:00'],
    [ids.ann, 'clock_out', '2026-11-02T18:00:00+01:00'],
    // Week 2: Ann 8 h.
    [ids.ann, 'clock_in', '2026-11-10T08:00:00+01:00'],
    [ids.ann, 'clock_out', '2026-11-10T16:00:00+01:00'],
    [ids.mallory, 'clock_in', '2026-11-03T09:00:00+01:00'],
    [ids.mallory, 'clock_out', '2026-11-03T10:15:00+01:00'],
  ];
  const events = punches.flatMap(([employeeId, type, at]) =>
    kiosk.punches([employeeId!], { type: type as 'clock_in', deviceTime: new Date(at) }),
  );
  const synced = await kiosk.request('POST', '/api/sync/events', { body: kiosk.batch(events) });
  expect(synced.status).toBe(200);
  const drained = await drainProjectionQueue(
    hub.runtime.deps.db,
    { now: () => new Date() },
    { orgId: owner.orgId },
  );
  expect(drained.failed).toBe(0);
}, 120_000);

afterAll(async () => {
  await hub?.close();
});

describe('payroll export', () => {
  it('CSV: one row per employee per timesheet period, hours as decimals, a safe file name', async () => {
    const { response, bytes } = await download(`/exports/payroll?${RANGE}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="payroll_unicode-sons-ltd_2026-11-02_2026-11-15.csv"',
    );
    const text = bytes.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual([
      'Employee code',
      'Employee name',
      'Department',
      'Period start',
      'Period end',
      'Regular hours',
      'Overtime 1.5x hours',
      'Overtime 2x hours',
      'Overtime hours',
      'Worked hours',
      'Paid break hours',
      'Unpaid break hours',
      'Paid leave hours',
      'Unpaid leave hours',
      'Carried hours',
      'Carried from',
    ]);
    expect(rows).toEqual([
      [
        'A1',
        'Ann Müller',
        'Packing, "North"',
        '2026-11-02',
        '2026-11-08',
        '8.00',
        '2.00',
        '0.50',
        '2.50',
        '10.50',
        '0.00',
        '0.50',
        '0.00',
        '0.00',
        '',
        '',
      ],
      [
        'A1',
        'Ann Müller',
        'Packing, "North"',
        '2026-11-09',
        '2026-11-15',
        '8.00',
        '0.00',
        '0.00',
        '0.00',
        '8.00',
        '0.00',
        '0.00',
        '0.00',
        '0.00',
        '',
        '',
      ],
      // The formula-looking name is written as text behind a quote (OWASP CSV injection).
      [
        'M1',
        `'=HYPERLINK("http://x.test","ok")`,
        '',
        '2026-11-02',
        '2026-11-08',
        '1.25',
        '0.00',
        '0.00',
        '0.00',
        '1.25',
        '0.00',
        '0.00',
        '0.00',
        '0.00',
        '',
        '',
      ],
    ]);
  });

  it('period=range: one row per employee for the whole range', async () => {
    const { bytes } = await download(`/exports/payroll?${RANGE}&period=range&employeeId=${ids.ann}`);
    const rows = parseCsv(bytes.toString('utf8').slice(1));
    expect(rows.slice(1).map((row) => [row[0], row[3], row[4], row[9]])).toEqual([
      ['A1', '2026-11-02', '2026-11-15', '18.50'],
    ]);
  });

  it('XLSX: typed cells — numbers as numbers with an hours format, dates as dates', async () => {
    const { response, bytes } = await download(`/exports/payroll?${RANGE}&format=xlsx`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(response.headers.get('content-disposition')).toContain('.xlsx"');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Payroll')!;
    expect(sheet.getRow(1).getCell(1).value).toBe('Employee code');
    const ann = sheet.getRow(2);
    expect(ann.getCell(2).value).toBe('Ann Müller');
    expect(ann.getCell(4).value).toEqual(new Date('2026-11-02T00:00:00Z'));
    expect(ann.getCell(4).numFmt).toBe('yyyy-mm-dd');
    expect(ann.getCell(6).value).toBe(8);
    expect(ann.getCell(6).numFmt).toBe('0.00');
    expect(ann.getCell(10).value).toBe(10.5);
    // XLSX cells are typed: a formula-looking name is a plain string cell, never a formula.
    expect(sheet.getRow(4).getCell(2).value).toBe('=HYPERLINK("http://x.test","ok")');
    expect(sheet.getRow(4).getCell(2).type).toBe(ExcelJS.ValueType.String);
    expect(sheet.rowCount).toBe(4);
  });
});

describe('punch log export', () => {
  it('CSV: every punch in time order with the local time in the org zone, UTC, source, method, device and site', async () => {
    const { response, bytes } = await download(`/exports/punches?${RANGE}&employeeId=${ids.ann}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="punches_unicode-sons-ltd_2026-11-02_2026-11-15.csv"',
    );
    const [header, ...rows] = parseCsv(bytes.toString('utf8').slice(1));
    expect(header!.slice(0, 6)).toEqual([
      'Employee code',
      'Employee name',
      'Department',
      'Time (Europe/Berlin)',
      'End (manual entries)',
      'Time (UTC)',
    ]);
    expect(rows.map((row) => [row[3], row[5], row[6], row[7], row[8], row[9], row[11]])).toEqual([
      ['2026-11-02 07:00:00', '2026-11-02T06:00:00.000Z', 'punch', 'clock_in', 'kiosk', 'face', 'Plant'],
      ['2026-11-02 12:00:00', '2026-11-02T11:00:00.000Z', 'punch', 'break_start', 'kiosk', 'face', 'Plant'],
      ['2026-11-02 12:30:00', '2026-11-02T11:30:00.000Z', 'punch', 'break_end', 'kiosk', 'face', 'Plant'],
      ['2026-11-02 18:00:00', '2026-11-02T17:00:00.000Z', 'punch', 'clock_out', 'kiosk', 'face', 'Plant'],
      ['2026-11-10 08:00:00', '2026-11-10T07:00:00.000Z', 'punch', 'clock_in', 'kiosk', 'face', 'Plant'],
      ['2026-11-10 16:00:00', '2026-11-10T15:00:00.000Z', 'punch', 'clock_out', 'kiosk', 'face', 'Plant'],
    ]);
    // Kiosk punches sent before the test kiosk registered carry the ingest's review flag.
    expect(rows[0]![12]).toContain('device_time_before_registration');
  });

  it('XLSX: local times are date-time cells showing the org’s wall clock', async () => {
    const { bytes } = await download(`/exports/punches?${RANGE}&format=xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Punches')!;
    expect(sheet.rowCount).toBe(1 + 8);
    const first = sheet.getRow(2);
    expect(first.getCell(4).value).toEqual(new Date('2026-11-02T07:00:00Z'));
    expect(first.getCell(4).numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    expect(first.getCell(8).value).toBe('clock_in');
  });
});

describe('paging (how large exports stay bounded in memory)', () => {
  it('the punch log read in pages of 3 equals the log read at once: no row lost or repeated', async () => {
    const db = hub.runtime.deps.db;
    const base = {
      orgId: owner.orgId,
      employeeIds: null,
      startAt: '2026-11-01T23:00:00Z',
      endAt: '2026-11-15T23:00:00Z',
      timeZone: 'Europe/Berlin',
    };
    const all = await withOrgScope(db, owner.orgId, (tx) => listPunchLog(tx, { ...base, limit: 100 }));
    expect(all).toHaveLength(8);
    const paged: string[] = [];
    let after: { at: string; id: string } | undefined;
    for (;;) {
      const page = await withOrgScope(db, owner.orgId, (tx) =>
        listPunchLog(tx, { ...base, after, limit: 3 }),
      );
      paged.push(...page.map((row) => row.id));
      if (page.length < 3) break;
      after = { at: page.at(-1)!.at, id: page.at(-1)!.id };
    }
    expect(paged).toEqual(all.map((row) => row.id));
  });

  it('payroll pages by employee keep all of an employee’s periods together', async () => {
    const db = hub.runtime.deps.db;
    const params = {
      orgId: owner.orgId,
      from: '2026-11-02',
      to: '2026-11-15',
      employeeIds: null,
      periods: [
        { start: '2026-11-02', end: '2026-11-08' },
        { start: '2026-11-09', end: '2026-11-15' },
      ],
    };
    const first = await withOrgScope(db, owner.orgId, (tx) => listPayrollRows(tx, { ...params, limit: 1 }));
    expect(first.map((row) => [row.employeeCode, row.periodStart])).toEqual([
      ['A1', '2026-11-02'],
      ['A1', '2026-11-09'],
    ]);
    const last = first.at(-1)!;
    const second = await withOrgScope(db, owner.orgId, (tx) =>
      listPayrollRows(tx, {
        ...params,
        limit: 1,
        afterEmployee: { code: last.employeeCode, id: last.employeeId },
      }),
    );
    expect(second.map((row) => [row.employeeCode, row.periodStart])).toEqual([['M1', '2026-11-02']]);
  });
});

describe('CSV cells', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+49 30 1234', "'+49 30 1234"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=x,"y"', `"'=x,""y"""`],
    ['plain', 'plain'],
  ])('text %j is written as %j', (input, expected) => {
    expect(csvCell(input, 'text')).toBe(expected);
  });

  it('numbers and hours are never prefixed', () => {
    expect(csvCell(-90, 'hours')).toBe('-1.50');
    expect(csvCell(-3, 'number')).toBe('-3');
    expect(csvCell(null, 'text')).toBe('');
  });
});

describe('bad input and permissions', () => {
  it.each([
    ['end before start', '/exports/payroll?from=2026-11-15&to=2026-11-02', 'to'],
    ['over 366 days', '/exports/punches?from=2025-01-01&to=2026-01-05', 'to'],
    ['an unknown format', `/exports/payroll?${RANGE}&format=pdf`, 'format'],
    ['an unknown period', `/exports/payroll?${RANGE}&period=fortnight`, 'period'],
    ['an unknown site', `/exports/punches?${RANGE}&siteId=0190a000-0000-7000-8000-000000000002`, 'siteId'],
  ])('%s → 422 problem+json, nothing changed', async (_name, path, field) => {
    const before = await countAllRows(hub.runtime.deps.db);
    const response = await hub.request('GET', `/api/orgs/${owner.orgId}${path}`, {
      token: owner.accessToken,
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(field);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it('an employee outside the caller’s scope, or unknown, is 404', async () => {
    const response = await hub.request(
      'GET',
      `/api/orgs/${owner.orgId}/exports/punches?${RANGE}&employeeId=0190a000-0000-7000-8000-000000000009`,
      { token: owner.accessToken },
    );
    expect(response.status).toBe(404);
  });
});
