/**
 * @module Payroll exports: hours per employee per period, and the punch log, as CSV or XLSX.
 *
 * Both stream: rows are read in keyset pages (one short org-scoped transaction per page) and written
 * as they arrive, so a year of punches for a large org never sits in memory. Filters and the caller's
 * scope are checked, and the first page read, before the response starts, so bad input is still a
 * problem+json error. Pages are separate transactions: rows committed during a long export may or may
 * not appear, but none appears twice (keyset order).
 */
import { PassThrough, Readable } from 'node:stream';
import type { TPayrollExportQuery, TPunchLogExportQuery } from '@clockface/contracts/api';
import type { Database } from '@clockface/db-hub';
import {
  isEntryFilter,
  listCarriedTargets,
  listEntryPayrollRows,
  listOvertimeMultipliers,
  listPayrollRows,
  listPunchLog,
  type OvertimeMinutesRow,
  type PunchLogRow,
  type ReportFilter,
} from '@clockface/db-hub/queries';
import { getPeriodBounds } from '@clockface/timekeeping';
import ExcelJS from 'exceljs';
import type { Logger } from 'pino';
import { combineCarried, computeCarried } from './carried-corrections';
import { resolveReportFilter, type ReportCaller } from './reports.service';
import { orgListPeriods } from './timesheets.service';

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Employees per payroll page: × periods in the range gives the rows held at once. */
const PAYROLL_PAGE_EMPLOYEES = 200;
/** Punch log rows per page (about 2 MB of row objects). */
const PUNCH_LOG_PAGE_ROWS = 5_000;

type CellType = 'text' | 'number' | 'hours' | 'date' | 'datetime';
interface Column {
  header: string;
  type: CellType;
  width?: number;
}
type Cell = string | number | null;

/** What a route sends: the body streams, the headers are known up front. */
export interface ExportFile {
  filename: string;
  contentType: string;
  body: ReadableStream<Uint8Array>;
}

/** Runs one page's read in its own org-scoped transaction (the request's `orgScope`). */
export type ScopedRunner = <T>(work: (tx: Database) => Promise<T>) => Promise<T>;

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** Cells a spreadsheet would run as a formula (OWASP "CSV injection"): prefixed with a quote. */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: Cell, type: CellType): string {
  if (value === null || value === '') return '';
  if (type === 'hours') return (Number(value) / 60).toFixed(2);
  if (type === 'number') return String(value);
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A local wall-clock `YYYY-MM-DD[ HH:MM:SS]` as the Date a spreadsheet shows as that wall-clock time:
 * xlsx libraries write a Date's UTC fields, so the local time is given UTC fields (../shared/notes/libraries.md §4).
 */
const wallClockDate = (local: string) => new Date(`${local.replace(' ', 'T')}Z`);

const NUMBER_FORMATS: Partial<Record<CellType, string>> = {
  hours: '0.00',
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm:ss',
};

function xlsxCell(value: Cell, type: CellType): ExcelJS.CellValue {
  if (value === null || value === '') return null;
  switch (type) {
    case 'hours':
      return Math.round((Number(value) / 60) * 100) / 100;
    case 'number':
      return Number(value);
    case 'date':
    case 'datetime':
      return wallClockDate(String(value));
    case 'text':
      return String(value);
  }
}

function csvStream(columns: readonly Column[], pages: AsyncGenerator<Cell[][]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const line = (cells: readonly Cell[]) =>
    cells.map((cell, index) => csvCell(cell, columns[index]!.type)).join(',') + '\r\n';
  const headerLine = columns.map((column) => csvCell(column.header, 'text')).join(',') + '\r\n';
  let isHeaderSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!isHeaderSent) {
        isHeaderSent = true;
        // The byte-order mark makes Excel read the file as UTF-8 (names with accents).
        controller.enqueue(encoder.encode(`\uFEFF${headerLine}`));
        return;
      }
      const next = await pages.next();
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(next.value.map(line).join('')));
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
}

function xlsxStream(
  sheetName: string,
  columns: readonly Column[],
  pages: AsyncGenerator<Cell[][]>,
  log: Logger,
): ReadableStream<Uint8Array> {
  const output = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true });
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((column, index) => ({
    header: column.header,
    key: String(index),
    width: column.width ?? Math.max(10, column.header.length + 2),
    ...(NUMBER_FORMATS[column.type] ? { style: { numFmt: NUMBER_FORMATS[column.type] } } : {}),
  }));
  sheet.getRow(1).font = { bold: true };
  void (async () => {
    for await (const page of pages) {
      for (const cells of page) {
        sheet.addRow(cells.map((cell, index) => xlsxCell(cell, columns[index]!.type))).commit();
      }
      // Lets the zip stream drain before the next page is read.
      await new Promise((resolve) => setImmediate(resolve));
    }
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => {
    log.error({ err: error }, 'xlsx export failed mid-stream');
    output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return Readable.toWeb(output) as ReadableStream<Uint8Array>;
}

function toFile(
  format: 'csv' | 'xlsx',
  basename: string,
  sheetName: string,
  columns: readonly Column[],
  pages: AsyncGenerator<Cell[][]>,
  log: Logger,
): ExportFile {
  return {
    filename: `${basename}.${format}`,
    contentType: CONTENT_TYPES[format],
    body: format === 'csv' ? csvStream(columns, pages) : xlsxStream(sheetName, columns, pages, log),
  };
}

/** Org name as a file-name part: ASCII letters, digits and dashes only (safe in Content-Disposition). */
function slug(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return ascii || 'org';
}

/** Yields the first page (already read) and then reads on, one scoped transaction per page. */
async function* pagesFrom<T>(
  first: T[],
  pageSize: number,
  readAfter: (last: T) => Promise<T[]>,
  toCells: (row: T) => Cell[],
): AsyncGenerator<Cell[][]> {
  let page = first;
  while (page.length > 0) {
    yield page.map(toCells);
    if (page.length < pageSize) return;
    page = await readAfter(page.at(-1)!);
  }
}

export interface ExportContext {
  caller: ReportCaller;
  runScoped: ScopedRunner;
  log: Logger;
  /** The projection's "now" for carried corrections (`deps.clock.now()`). */
  now: Date;
}

/** One payroll row; day-level figures are null under a project or task filter (not known per project). */
interface PayrollLine {
  employeeId: string;
  employeeCode: string;
  employeeName: string;
  departmentName: string | null;
  periodStart: string;
  periodEnd: string;
  workedMinutes: number;
  regularMinutes: number | null;
  overtimeMinutes: number | null;
  overtime: OvertimeMinutesRow[];
  paidBreakMinutes: number | null;
  unpaidBreakMinutes: number | null;
  paidLeaveMinutes: number | null;
  unpaidLeaveMinutes: number | null;
  /** Worked minutes carried in from locked periods (already included above); null when none. */
  carriedMinutes: number | null;
  /** The locked periods they correct, `start…end`, `; `-separated. */
  carriedFrom: string | null;
}

/**
 * One page of payroll lines: the work days' sums, plus what corrections carried out of locked
 * periods add to the period (row) containing the date they were carried to. An employee of the page
 * with a carried correction but no work day in that period gets a row of its own.
 */
async function readPayrollPage(
  tx: Database,
  context: ExportContext,
  filter: ReportFilter,
  periods: { start: string; end: string }[],
  afterEmployee?: { code: string; id: string },
): Promise<PayrollLine[]> {
  const page = { ...filter, periods, afterEmployee, limit: PAYROLL_PAGE_EMPLOYEES };
  if (isEntryFilter(filter)) {
    const entryLines: PayrollLine[] = (await listEntryPayrollRows(tx, page)).map((row) => ({
      ...row,
      regularMinutes: null,
      overtimeMinutes: null,
      overtime: [],
      paidBreakMinutes: null,
      unpaidBreakMinutes: null,
      paidLeaveMinutes: null,
      unpaidLeaveMinutes: null,
      carriedMinutes: null,
      carriedFrom: null,
    }));
    return addCarriedToEntryLines(tx, context, filter, periods, entryLines);
  }
  const lines: PayrollLine[] = (await listPayrollRows(tx, page)).map((row) => ({
    ...row,
    carriedMinutes: null,
    carriedFrom: null,
  }));
  const employeeIds = [...new Set(lines.map((line) => line.employeeId))];
  if (employeeIds.length === 0) return lines;
  for (const { employeeId, period, carried } of await listCarriedIntoPeriods(
    tx,
    context,
    filter,
    periods,
    employeeIds,
  )) {
    const from = [
      ...new Set(
        carried.items.flatMap((item) =>
          item.from ? [`${item.from.periodStart}…${item.from.periodEnd}`] : [],
        ),
      ),
    ];
    if (from.length === 0) continue;
    const line = payrollLineFor(lines, employeeId, period, {
      regularMinutes: 0,
      overtimeMinutes: 0,
      overtime: [],
      paidBreakMinutes: 0,
      unpaidBreakMinutes: 0,
      paidLeaveMinutes: 0,
      unpaidLeaveMinutes: 0,
    });
    const delta = carried.totals;
    const sum = combineCarried(
      {
        workedMinutes: line.workedMinutes,
        regularMinutes: line.regularMinutes ?? 0,
        overtimeMinutes: line.overtimeMinutes ?? 0,
        overtime: line.overtime,
        paidBreakMinutes: line.paidBreakMinutes ?? 0,
        unpaidBreakMinutes: line.unpaidBreakMinutes ?? 0,
        leaveMinutes: (line.paidLeaveMinutes ?? 0) + (line.unpaidLeaveMinutes ?? 0),
        paidLeaveMinutes: line.paidLeaveMinutes ?? 0,
      },
      delta,
    );
    Object.assign(line, {
      ...sum,
      unpaidLeaveMinutes: sum.leaveMinutes - sum.paidLeaveMinutes,
      carriedMinutes: delta.workedMinutes,
      carriedFrom: from.join('; '),
    });
    delete (line as Partial<typeof sum>).leaveMinutes;
  }
  return inEmployeeOrder(lines, employeeIds);
}

/**
 * Under a project or task filter: the worked minutes of carried corrections that name the filtered
 * project (or one of the tasks) themselves — a manual entry or an edit that sets its task. Carried
 * punches, deletes and edits that leave the task as it was name none, so they cannot be attributed
 * to a project and appear only in the unfiltered export. Only employees with time on the project in
 * the range have rows (and so carried time) here.
 */
async function addCarriedToEntryLines(
  tx: Database,
  context: ExportContext,
  filter: ReportFilter,
  periods: { start: string; end: string }[],
  lines: PayrollLine[],
): Promise<PayrollLine[]> {
  const employeeIds = [...new Set(lines.map((line) => line.employeeId))];
  if (employeeIds.length === 0) return lines;
  const concerns = (row: { projectId: string | null; taskId: string | null }) =>
    (filter.projectId !== undefined && row.projectId === filter.projectId) ||
    (filter.taskIds !== undefined && row.taskId !== null && filter.taskIds.includes(row.taskId));
  for (const { employeeId, period, carried } of await listCarriedIntoPeriods(
    tx,
    context,
    filter,
    periods,
    employeeIds,
  )) {
    const items = carried.items.filter((item) => item.from && item.delta && concerns(item.row));
    if (items.length === 0) continue;
    const minutes = items.reduce((sum, item) => sum + item.delta!.workedMinutes, 0);
    const from = [...new Set(items.map((item) => `${item.from!.periodStart}…${item.from!.periodEnd}`))];
    const line = payrollLineFor(lines, employeeId, period, {});
    line.workedMinutes += minutes;
    line.carriedMinutes = minutes;
    line.carriedFrom = from.join('; ');
  }
  return inEmployeeOrder(lines, employeeIds);
}

/**
 * Each (employee, payroll period) that corrections from a locked period were carried into, within
 * the range, with what was carried there (`computeCarried`, once per pair).
 */
async function listCarriedIntoPeriods(
  tx: Database,
  context: ExportContext,
  filter: ReportFilter,
  periods: { start: string; end: string }[],
  employeeIds: string[],
) {
  const org = context.caller.membership.organization;
  const targets = await listCarriedTargets(tx, {
    orgId: org.id,
    employeeIds,
    from: filter.from,
    to: filter.to,
  });
  const found: {
    employeeId: string;
    period: { start: string; end: string };
    carried: Awaited<ReturnType<typeof computeCarried>>;
  }[] = [];
  const done = new Set<string>();
  for (const target of targets) {
    const period = periods.find((p) => p.start <= target.carriedTo && target.carriedTo <= p.end);
    const key = `${target.employeeId}|${period?.start}`;
    if (!period || done.has(key)) continue;
    done.add(key);
    const carried = await computeCarried(tx, org, target.employeeId, period, context.now);
    found.push({ employeeId: target.employeeId, period, carried });
  }
  return found;
}

/**
 * The employee's line for the period; when carried time lands in a period where they have none, a
 * new line copied from one of theirs with zero minutes (and `zeroes` for the other totals).
 */
function payrollLineFor(
  lines: PayrollLine[],
  employeeId: string,
  period: { start: string; end: string },
  zeroes: Partial<PayrollLine>,
): PayrollLine {
  let line = lines.find((l) => l.employeeId === employeeId && l.periodStart === period.start);
  if (!line) {
    const model = lines.find((l) => l.employeeId === employeeId)!;
    line = { ...model, periodStart: period.start, periodEnd: period.end, workedMinutes: 0, ...zeroes };
    lines.push(line);
  }
  return line;
}

/** Lines in the page's employee order, then by period. */
function inEmployeeOrder(lines: PayrollLine[], employeeIds: string[]): PayrollLine[] {
  const order = new Map(employeeIds.map((id, index) => [id, index]));
  return lines.sort(
    (a, b) => order.get(a.employeeId)! - order.get(b.employeeId)! || (a.periodStart < b.periodStart ? -1 : 1),
  );
}

function periodsFor(caller: ReportCaller, query: TPayrollExportQuery) {
  if (query.period === 'range') return [{ start: query.from, end: query.to }];
  // The timesheets' own periods (same default biweekly anchor, same cut after a change of the
  // period setting), so payroll rows match timesheets.
  return orgListPeriods(caller.membership.organization, query.from, query.to).map((period) => ({
    start: period.start < query.from ? query.from : period.start,
    end: period.end > query.to ? query.to : period.end,
  }));
}

/**
 * One row per employee per timesheet period (or per range): regular, overtime by multiplier, breaks,
 * leave, and what corrections carried from locked periods add (included, and named).
 */
export async function exportPayroll(context: ExportContext, query: TPayrollExportQuery): Promise<ExportFile> {
  const { caller, runScoped } = context;
  const periods = periodsFor(caller, query);
  const read = (filter: ReportFilter, afterEmployee?: { code: string; id: string }) =>
    runScoped((tx) => readPayrollPage(tx, context, filter, periods, afterEmployee));
  const { filter, multipliers, first } = await runScoped(async (tx) => {
    const filter = await resolveReportFilter(tx, caller, query, 'reports.export');
    const multipliers = isEntryFilter(filter) ? [] : await listOvertimeMultipliers(tx, filter);
    const first = await readPayrollPage(tx, context, filter, periods);
    return { filter, multipliers, first };
  });
  const columns: Column[] = [
    { header: 'Employee code', type: 'text', width: 14 },
    { header: 'Employee name', type: 'text', width: 28 },
    { header: 'Department', type: 'text', width: 20 },
    { header: 'Period start', type: 'date', width: 12 },
    { header: 'Period end', type: 'date', width: 12 },
    { header: 'Regular hours', type: 'hours' },
    ...multipliers.map((multiplier): Column => ({ header: `Overtime ${multiplier}x hours`, type: 'hours' })),
    { header: 'Overtime hours', type: 'hours' },
    { header: 'Worked hours', type: 'hours' },
    { header: 'Paid break hours', type: 'hours' },
    { header: 'Unpaid break hours', type: 'hours' },
    { header: 'Paid leave hours', type: 'hours' },
    { header: 'Unpaid leave hours', type: 'hours' },
    { header: 'Carried hours', type: 'hours' },
    { header: 'Carried from', type: 'text', width: 26 },
  ];
  const toCells = (row: PayrollLine): Cell[] => {
    const tiers = new Map(row.overtime.map((tier) => [tier.multiplier, tier.minutes]));
    return [
      row.employeeCode,
      row.employeeName,
      row.departmentName,
      row.periodStart,
      row.periodEnd,
      row.regularMinutes,
      ...multipliers.map((multiplier) => tiers.get(multiplier) ?? 0),
      row.overtimeMinutes,
      row.workedMinutes,
      row.paidBreakMinutes,
      row.unpaidBreakMinutes,
      row.paidLeaveMinutes,
      row.unpaidLeaveMinutes,
      row.carriedMinutes,
      row.carriedFrom,
    ];
  };
  // Pages are by employee: a page holds every period of PAYROLL_PAGE_EMPLOYEES employees.
  async function* pages(): AsyncGenerator<Cell[][]> {
    let page = first;
    while (page.length > 0) {
      yield page.map(toCells);
      const last = page.at(-1)!;
      const employeesInPage = new Set(page.map((row) => row.employeeId)).size;
      if (employeesInPage < PAYROLL_PAGE_EMPLOYEES) return;
      page = await read(filter, { code: last.employeeCode, id: last.employeeId });
    }
  }
  const name = `payroll_${slug(caller.membership.organization.name)}_${query.from}_${query.to}`;
  return toFile(query.format, name, 'Payroll', columns, pages(), context.log);
}

/** Every punch and adjustment in the range, in time order, with local times in the org's zone. */
export async function exportPunchLog(
  context: ExportContext,
  query: TPunchLogExportQuery,
): Promise<ExportFile> {
  const { caller, runScoped } = context;
  const timeZone = caller.membership.organization.timeZone;
  const bounds = getPeriodBounds({ start: query.from, end: query.to }, timeZone);
  const read = (filter: ReportFilter, after?: { at: string; id: string }) => (tx: Database) => {
    const { from: _from, to: _to, ...rest } = filter;
    return listPunchLog(tx, {
      ...rest,
      startAt: bounds.start,
      endAt: bounds.end,
      timeZone,
      // An entry's work date can be a day off its punches' local dates (overnight, zones).
      entryDates: { from: addDays(query.from, -1), to: addDays(query.to, 1) },
      after,
      limit: PUNCH_LOG_PAGE_ROWS,
    });
  };
  const { filter, first } = await runScoped(async (tx) => {
    const filter = await resolveReportFilter(tx, caller, query, 'reports.export');
    return { filter, first: await read(filter)(tx) };
  });
  const columns: Column[] = [
    { header: 'Employee code', type: 'text', width: 14 },
    { header: 'Employee name', type: 'text', width: 28 },
    { header: 'Department', type: 'text', width: 20 },
    { header: `Time (${timeZone})`, type: 'datetime', width: 20 },
    { header: 'End (manual entries)', type: 'datetime', width: 20 },
    { header: 'Time (UTC)', type: 'text', width: 26 },
    { header: 'Record', type: 'text' },
    { header: 'Type', type: 'text', width: 18 },
    { header: 'Source', type: 'text' },
    { header: 'Method', type: 'text' },
    { header: 'Device', type: 'text', width: 20 },
    { header: 'Site', type: 'text', width: 20 },
    { header: 'Flags', type: 'text', width: 24 },
    { header: 'Reason', type: 'text', width: 30 },
    { header: 'Corrects', type: 'text', width: 38 },
    { header: 'Id', type: 'text', width: 38 },
  ];
  const toCells = (row: PunchLogRow): Cell[] => [
    row.employeeCode,
    row.employeeName,
    row.departmentName,
    row.localAt,
    row.localEnd,
    row.at,
    row.kind,
    row.type,
    row.source,
    row.method,
    row.deviceName,
    row.siteName,
    row.flags.join(' '),
    row.reason,
    row.targetId,
    row.id,
  ];
  const pages = pagesFrom(
    first,
    PUNCH_LOG_PAGE_ROWS,
    (last) => runScoped(read(filter, { at: last.at, id: last.id })),
    toCells,
  );
  const name = `punches_${slug(caller.membership.organization.name)}_${query.from}_${query.to}`;
  return toFile(query.format, name, 'Punches', columns, pages, context.log);
}
