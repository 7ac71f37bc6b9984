import {
  ZAttendanceReport,
  ZAttendanceReportQuery,
  ZHoursReport,
  ZHoursReportQuery,
  ZOvertimeReport,
  ZOvertimeReportQuery,
  ZPayrollExportQuery,
  ZPunchLogExportQuery,
  ZWhoIsIn,
  ZWhoIsInQuery,
} from '@clockface/contracts/api';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { HubDeps } from '../deps';
import type { HubEnv } from '../env';
import { withPermission } from '../middleware/with-org-member';
import * as exportsService from '../services/exports.service';
import * as reports from '../services/reports.service';
import { bearerSecurity, createRouter, jsonResponse, problems } from './router';
import { ZOrgParams } from './orgs.routes';

const caller = (c: Context<HubEnv>): reports.ReportCaller => ({
  membership: c.get('membership'),
  userId: c.get('actor').userId,
});

const fileResponse = {
  description: 'The file (streamed); Content-Disposition names it',
  content: {
    'text/csv': { schema: z.string() },
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
      schema: z.string().meta({ format: 'binary' }),
    },
  },
};

function sendFile(file: exportsService.ExportFile) {
  return new Response(file.body, {
    status: 200,
    headers: {
      'content-type': file.contentType,
      // The name is ASCII by construction (see slug in exports.service.ts), so no RFC 5987 form is needed.
      'content-disposition': `attachment; filename="${file.filename}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}

export function reportRoutes(deps: HubDeps) {
  const router = createRouter();
  const tags = ['Reports'];
  const security = bearerSecurity;

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/reports/hours',
      tags,
      summary: 'Hours over a date range by employee, department, site, project or task',
      description:
        'Worked, regular and overtime (by multiplier) minutes, breaks and leave from the projected work days. ' +
        'Managers see their departments and teams only. Ranges are at most 366 days.',
      security,
      middleware: [withPermission('reports.read')] as const,
      request: { params: ZOrgParams, query: ZHoursReportQuery },
      responses: { 200: jsonResponse(ZHoursReport, 'The report'), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await c.var.orgScope((tx) => reports.getHoursReport(tx, caller(c), query)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/reports/overtime',
      tags,
      summary: 'Overtime minutes by pay multiplier, per employee, department or site',
      security,
      middleware: [withPermission('reports.read')] as const,
      request: { params: ZOrgParams, query: ZOvertimeReportQuery },
      responses: { 200: jsonResponse(ZOvertimeReport, 'The report'), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await c.var.orgScope((tx) => reports.getOvertimeReport(tx, caller(c), query)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/reports/attendance',
      tags,
      summary: 'Per employee: days worked, late arrivals, early leaves, absences and missing punches',
      security,
      middleware: [withPermission('reports.read')] as const,
      request: { params: ZOrgParams, query: ZAttendanceReportQuery },
      responses: { 200: jsonResponse(ZAttendanceReport, 'The report'), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await c.var.orgScope((tx) => reports.getAttendanceReport(tx, caller(c), query)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/reports/who-is-in',
      tags,
      summary: 'Who is clocked in or on a break now, per site (live)',
      security,
      middleware: [withPermission('reports.read')] as const,
      request: { params: ZOrgParams, query: ZWhoIsInQuery },
      responses: { 200: jsonResponse(ZWhoIsIn, 'Present employees'), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const now = deps.clock.now();
      return c.json(await c.var.orgScope((tx) => reports.getWhoIsIn(tx, caller(c), query, now)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/exports/payroll',
      tags,
      summary: 'Payroll export (CSV or XLSX): one row per employee per timesheet period',
      description:
        'Employee code, name, department, period, regular hours, overtime hours per multiplier, breaks and ' +
        'paid/unpaid leave hours, then `Carried hours` and `Carried from`: corrections made for a locked ' +
        'period and carried into this one are included in the hours above (the locked period keeps its ' +
        'locked figures) and named here. With `projectId`/`taskId` only the worked hours of time entries on ' +
        'that project or task are known: the day-level columns are empty. Streams; ranges are at most 366 days.',
      security,
      middleware: [withPermission('reports.export')] as const,
      request: { params: ZOrgParams, query: ZPayrollExportQuery },
      responses: { 200: fileResponse, ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const file = await exportsService.exportPayroll(
        { caller: caller(c), runScoped: c.var.orgScope, log: c.var.log, now: deps.clock.now() },
        query,
      );
      return sendFile(file);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{orgId}/exports/punches',
      tags,
      summary: 'Punch log export (CSV or XLSX): every punch and adjustment in the range',
      description:
        'Employee, record type, time in the org’s zone and in UTC, source, method, device, site, review flags ' +
        'and the reason of adjustments. `projectId`/`taskId` keep the punches and corrections the project’s ' +
        '(or task’s) time entries are made of, and those recorded on it. Streams; ranges are at most 366 days.',
      security,
      middleware: [withPermission('reports.export')] as const,
      request: { params: ZOrgParams, query: ZPunchLogExportQuery },
      responses: { 200: fileResponse, ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const file = await exportsService.exportPunchLog(
        { caller: caller(c), runScoped: c.var.orgScope, log: c.var.log, now: deps.clock.now() },
        query,
      );
      return sendFile(file);
    },
  );

  return router;
}
