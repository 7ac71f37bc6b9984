/** @module Password hashing (argon2id) and the password rules that go beyond length. */
import { AppError } from '@clockface/core';
import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id at OWASP's first recommended setting (m = 19 MiB, t = 2, p = 1): about 5 ms here,
 * so login throttling, not hashing cost, is what stops online guessing.
 */
const ARGON2_OPTIONS = {
  algorithm: 2 /* Argon2id */,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** A real hash of a random password, verified against when the email is unknown so timing does not tell. */
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (passwordHash === undefined) {
    dummyHash ??= hashPassword(`unknown-user-${crypto.randomUUID()}`);
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

/** Passwords so common that attackers try them first (a short local list; no network lookups). */
const COMMON_PASSWORDS = new Set([
  'password1234',
  'password12345',
  'password123456',
  '123456789012',
  '1234567890123',
  'qwertyuiopas',
  'qwerty123456',
  'iloveyou1234',
  'letmein12345',
  'welcome12345',
  'administrator',
  'passwordpassword',
  'changeme1234',
  'aaaaaaaaaaaa',
  '111111111111',
  '000000000000',
]);

/**
 * Rejects passwords that are common or built from the context (product name, org, email).
 * Length is already checked by the schema.
 */
export function assertPasswordAcceptable(
  password: string,
  context: { email?: string; orgName?: string },
): void {
  const lowered = password.toLowerCase();
  const contextWords = ['clockface', context.email?.split('@')[0], context.orgName]
    .filter((word): word is string => typeof word === 'string' && word.length >= 4)
    .map((word) => word.toLowerCase());
  const withoutContext = contextWords.reduce((rest, word) => rest.replaceAll(word, ''), lowered);
  if (COMMON_PASSWORDS.has(lowered) || /^(.)\1+$/.test(password) || withoutContext.length < 6) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'Choose a less guessable password',
      issues: [
        {
          path: 'password',
          message: 'This password is too common or too close to your name, email or organisation',
        },
      ],
    });
  }
}
