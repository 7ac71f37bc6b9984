/**
 * @module Every error leaves the hub as RFC 9457 problem+json: one table maps AppError codes to
 * statuses, and nothing else (stack, SQL, library names) reaches the client.
 */
import { AppError, type AppErrorCode } from '@clockface/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import type { HubEnv } from './env';

export const CODE_TO_STATUS: Record<AppErrorCode, ContentfulStatusCode> = {
  VALIDATION_FAILED: 422,
  MALFORMED_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  REFRESH_TOKEN_REUSED: 401,
  INVALID_TOKEN: 400,
  ENROLLMENT_TOKEN_UNKNOWN: 401,
  ENROLLMENT_TOKEN_EXPIRED: 401,
  ENROLLMENT_TOKEN_REVOKED: 401,
  ENROLLMENT_TOKEN_USED_UP: 409,
  REAUTHENTICATION_REQUIRED: 401,
  FORBIDDEN: 403,
  ORGANIZATION_SUSPENDED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PERIOD_LOCKED: 409,
  LAST_OWNER: 409,
  RATE_LIMITED: 429,
  METHOD_NOT_ALLOWED: 405,
  SERVICE_UNAVAILABLE: 503,
  DEVICE_REVOKED: 401,
  TOKEN_REPLAYED: 401,
  CLOCK_SKEW: 401,
  // Kiosk-side states; the hub never answers with them, but the table is total on purpose.
  REPROVISION_REQUIRED: 409,
  NOT_PROVISIONED: 409,
  PIN_LOCKED: 429,
  NOT_IMPLEMENTED: 501,
  INTERNAL: 500,
};

const TITLES: Record<AppErrorCode, string> = {
  VALIDATION_FAILED: 'The request is not valid',
  MALFORMED_JSON: 'The request body is not valid JSON',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
  UNAUTHENTICATED: 'Authentication required',
  INVALID_CREDENTIALS: 'Wrong email or password',
  REFRESH_TOKEN_REUSED: 'Session ended: refresh token reused',
  INVALID_TOKEN: 'The link or token is invalid or has expired',
  ENROLLMENT_TOKEN_UNKNOWN: 'Enrollment token not recognised',
  ENROLLMENT_TOKEN_EXPIRED: 'Enrollment token expired',
  ENROLLMENT_TOKEN_REVOKED: 'Enrollment token revoked',
  ENROLLMENT_TOKEN_USED_UP: 'Enrollment token used up',
  REAUTHENTICATION_REQUIRED: 'Confirm your password to continue',
  FORBIDDEN: 'You do not have permission to do this',
  ORGANIZATION_SUSPENDED: 'This organisation is suspended',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict with the current state',
  PERIOD_LOCKED: 'The timesheet period is locked',
  LAST_OWNER: 'An organisation needs at least one owner',
  RATE_LIMITED: 'Too many attempts',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  DEVICE_REVOKED: 'This device has been revoked',
  TOKEN_REPLAYED: 'Token already used',
  CLOCK_SKEW: "The device's clock is off",
  REPROVISION_REQUIRED: 'The device must be provisioned again',
  NOT_PROVISIONED: 'The device is not provisioned',
  PIN_LOCKED: 'PIN locked after too many attempts',
  NOT_IMPLEMENTED: 'Not implemented yet',
  INTERNAL: 'Internal error',
};

export const problemSlug = (code: AppErrorCode) => code.toLowerCase().replaceAll('_', '-');

export function problemTitle(code: AppErrorCode): string {
  return TITLES[code];
}

/** Builds the problem+json Response for an AppError. */
export function problemResponse(error: AppError, requestId: string | undefined): Response {
  const status = CODE_TO_STATUS[error.code];
  const body = {
    type: `/api/problems/${problemSlug(error.code)}`,
    title: TITLES[error.code],
    status,
    // INTERNAL keeps its message to the log: it may hold SQL or library internals.
    ...(error.code === 'INTERNAL' || error.message === error.code ? {} : { detail: error.message }),
    code: error.code,
    ...(requestId ? { requestId } : {}),
    ...(error.issues ? { errors: error.issues } : {}),
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
  };
  const headers = new Headers({ 'content-type': 'application/problem+json; charset=utf-8' });
  if (error.retryAfterSeconds !== undefined) headers.set('retry-after', String(error.retryAfterSeconds));
  if (status === 401) headers.set('www-authenticate', 'Bearer');
  // Error responses are built fresh, so the headers other middleware set on c.res must be set here too.
  if (requestId) headers.set('x-request-id', requestId);
  headers.set('cache-control', 'no-store');
  return new Response(JSON.stringify(body), { status, headers });
}

export function zodIssuesToAppError(error: ZodError, message = 'The request is not valid'): AppError {
  return new AppError('VALIDATION_FAILED', {
    message,
    issues: error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message:
        issue.code === 'unrecognized_keys' ? `Unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    })),
  });
}

/** Postgres SQLSTATEs that are the caller's doing, not ours. */
const PG_UNIQUE_VIOLATION = '23505';
const PG_FOREIGN_KEY_VIOLATION = '23503';
const PG_RLS_VIOLATION = '42501';
const PG_QUERY_CANCELED = '57014';

function fromDatabaseError(error: unknown): AppError | undefined {
  const code =
    (error as { code?: unknown } | null)?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  if (code === PG_UNIQUE_VIOLATION)
    return new AppError('CONFLICT', { message: 'That already exists', cause: error });
  // A reference to another tenant's row fails the composite foreign key: answer as if it did not exist.
  if (code === PG_FOREIGN_KEY_VIOLATION)
    return new AppError('NOT_FOUND', { message: 'A referenced resource does not exist', cause: error });
  if (code === PG_RLS_VIOLATION) return new AppError('NOT_FOUND', { cause: error });
  if (code === PG_QUERY_CANCELED)
    return new AppError('SERVICE_UNAVAILABLE', { message: 'The query took too long', cause: error });
  return undefined;
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) return zodIssuesToAppError(error);
  if (error instanceof HTTPException) {
    if (error.status === 413) return new AppError('PAYLOAD_TOO_LARGE');
    if (error.status === 400 && /json/i.test(error.message))
      return new AppError('MALFORMED_JSON', { message: 'The request body is not valid JSON' });
    if (error.status === 401) return new AppError('UNAUTHENTICATED');
    if (error.status === 404) return new AppError('NOT_FOUND');
    if (error.status === 405) return new AppError('METHOD_NOT_ALLOWED');
    if (error.status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
    if (error.status < 500) return new AppError('VALIDATION_FAILED', { message: error.message });
  }
  return fromDatabaseError(error) ?? new AppError('INTERNAL', { cause: error });
}

/** The app's single onError: log unexpected errors with the request id, answer problem+json. */
export function handleError(error: unknown, c: Context<HubEnv>): Response {
  const appError = toAppError(error);
  const log = c.get('log');
  if (appError.code === 'INTERNAL' || appError.code === 'SERVICE_UNAVAILABLE') {
    log?.error({ err: error }, 'request failed');
  } else {
    log?.debug({ code: appError.code, detail: appError.message }, 'request rejected');
  }
  return problemResponse(appError, c.get('requestId'));
}
