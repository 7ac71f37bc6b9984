import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from './errors';

describe('AppError', () => {
  it('round-trips through JSON with its code and issues', () => {
    const original = new AppError('VALIDATION_FAILED', {
      message: 'Expected an email, got "x"',
      issues: [{ path: 'email', message: 'Invalid email' }],
    });
    const parsed = AppError.parse(JSON.parse(JSON.stringify(original)));
    expect(parsed).toBeInstanceOf(AppError);
    expect(parsed.code).toBe('VALIDATION_FAILED');
    expect(parsed.message).toBe('Expected an email, got "x"');
    expect(parsed.issues).toEqual([{ path: 'email', message: 'Invalid email' }]);
  });

  it('turns anything unrecognised into INTERNAL instead of trusting it', () => {
    expect(AppError.parse({ code: 'DROP_TABLES', message: 'x' }).code).toBe('INTERNAL');
    expect(AppError.parse(new Error('boom')).message).toBe('boom');
    expect(AppError.parse('plain').code).toBe('INTERNAL');
  });

  it('isAppError narrows by code', () => {
    const error = new AppError('NOT_FOUND');
    expect(isAppError(error, 'NOT_FOUND')).toBe(true);
    expect(isAppError(error, 'CONFLICT')).toBe(false);
    expect(isAppError(new Error('x'))).toBe(false);
  });
});
