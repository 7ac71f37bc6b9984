/**
 * @module The one error type every layer throws, and the codes it carries.
 *
 * Services throw `AppError`; the hub maps the code to an HTTP status in one table
 * (apps/hub/src/errors.ts) and the kiosk rehydrates it across IPC with `AppError.parse`.
 */

/**
 * Every error code in the system. Each says when it is thrown and what a caller should do.
 */
export const APP_ERROR_CODES = {
  /** Input failed schema or business validation. Fix the fields listed in `details`. */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** The request body is not valid JSON. Send a JSON body. */
  MALFORMED_JSON: 'MALFORMED_JSON',
  /** The body is larger than the route accepts. Send less. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The Content-Type is not one the route accepts (JSON routes want application/json). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** No credential, or one that is invalid, expired or revoked. Log in again. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Email and password do not match an account. Same answer whether or not the email exists. */
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  /** A refresh token was presented twice: the whole session family is now revoked. Log in again. */
  REFRESH_TOKEN_REUSED: 'REFRESH_TOKEN_REUSED',
  /** A single-use token (reset, invitation, enrollment) is unknown, used, revoked or expired. */
  INVALID_TOKEN: 'INVALID_TOKEN',
  /**
   * Kiosk registration: the hub never issued this enrollment token (mistyped, or made on another
   * hub). Check it, or ask an admin for a new one.
   */
  ENROLLMENT_TOKEN_UNKNOWN: 'ENROLLMENT_TOKEN_UNKNOWN',
  /** Kiosk registration: the enrollment token is past its expiry. Ask an admin for a new one. */
  ENROLLMENT_TOKEN_EXPIRED: 'ENROLLMENT_TOKEN_EXPIRED',
  /** Kiosk registration: an admin revoked the enrollment token. Ask an admin for a new one. */
  ENROLLMENT_TOKEN_REVOKED: 'ENROLLMENT_TOKEN_REVOKED',
  /** Kiosk registration: every use of the enrollment token is spent. Ask an admin for a new one. */
  ENROLLMENT_TOKEN_USED_UP: 'ENROLLMENT_TOKEN_USED_UP',
  /** The action needs the current password (re-authentication). */
  REAUTHENTICATION_REQUIRED: 'REAUTHENTICATION_REQUIRED',
  /** A member of this org lacks the permission for this action. */
  FORBIDDEN: 'FORBIDDEN',
  /** The organisation is suspended by the platform; its users and devices are locked out. */
  ORGANIZATION_SUSPENDED: 'ORGANIZATION_SUSPENDED',
  /** The resource does not exist or is not visible to the caller (other tenants' data included). */
  NOT_FOUND: 'NOT_FOUND',
  /** The request conflicts with the current state (a duplicate, a race, a locked period). */
  CONFLICT: 'CONFLICT',
  /**
   * The change touches a locked timesheet period. Ask an admin to unlock it, or send
   * `carryToNextOpenPeriod: true` to record it as a flagged correction in the next open period.
   */
  PERIOD_LOCKED: 'PERIOD_LOCKED',
  /** The organisation must keep at least one owner. */
  LAST_OWNER: 'LAST_OWNER',
  /** Too many attempts. Wait for the number of seconds in `retryAfterSeconds`. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The HTTP method is not allowed on this path. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** A dependency (the database) is down. Retry later. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /**
   * A device token is for a device the hub has revoked (sync, heartbeat). The kiosk stops syncing,
   * wipes templates, PIN hashes and roster, destroys its data key and shows "not provisioned".
   */
  DEVICE_REVOKED: 'DEVICE_REVOKED',
  /** A device token's `jti` was already used (replay). The kiosk mints a fresh token per request. */
  TOKEN_REPLAYED: 'TOKEN_REPLAYED',
  /**
   * A device token is expired or issued in the future beyond the 30 s tolerance. The kiosk measures
   * its offset from the response `Date` header and retries with corrected `iat`/`exp`.
   */
  CLOCK_SKEW: 'CLOCK_SKEW',
  /**
   * The kiosk's data key is missing or does not open its store (templates, device key). Nothing
   * encrypted can be read; the kiosk must be provisioned again (`kiosk-agent provision --force`).
   */
  REPROVISION_REQUIRED: 'REPROVISION_REQUIRED',
  /** The kiosk has no device identity yet. Run `kiosk-agent provision`. */
  NOT_PROVISIONED: 'NOT_PROVISIONED',
  /** Too many wrong PINs for one employee on this kiosk; locked until `retryAfterSeconds` pass. */
  PIN_LOCKED: 'PIN_LOCKED',
  /** The feature needs a part of the system that has not shipped yet; the message says which. */
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  /** A bug or an unexpected failure. Logged with the request id; retrying rarely helps. */
  INTERNAL: 'INTERNAL',
} as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[keyof typeof APP_ERROR_CODES];

export interface AppErrorIssue {
  /** Dotted path of the offending field, e.g. `members.0.email`; empty for the whole input. */
  path: string;
  message: string;
}

export interface AppErrorOptions {
  /** What went wrong, for developers and logs. Say what was expected and what arrived. */
  message?: string;
  /** Field-level problems for validation errors. */
  issues?: AppErrorIssue[];
  /** Seconds to wait before retrying (RATE_LIMITED). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly issues: AppErrorIssue[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: AppErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.issues = options.issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** A plain object that survives structured clone (IPC, worker threads, JSON). */
  toJSON(): { code: AppErrorCode; message: string; issues?: AppErrorIssue[] } {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }

  /** Rebuilds an AppError from `toJSON()` output; anything unrecognised becomes INTERNAL. */
  static parse(value: unknown): AppError {
    if (value instanceof AppError) return value;
    if (typeof value === 'object' && value !== null && 'code' in value) {
      const { code, message, issues } = value as { code: unknown; message?: unknown; issues?: unknown };
      if (typeof code === 'string' && isAppErrorCode(code)) {
        return new AppError(code, {
          message: typeof message === 'string' ? message : code,
          ...(Array.isArray(issues) ? { issues: issues as AppErrorIssue[] } : {}),
        });
      }
    }
    return new AppError('INTERNAL', {
      message: String((value as Error | undefined)?.message ?? value),
      cause: value,
    });
  }
}

export function isAppErrorCode(value: string): value is AppErrorCode {
  return Object.hasOwn(APP_ERROR_CODES, value);
}

export function isAppError(error: unknown, code?: AppErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
