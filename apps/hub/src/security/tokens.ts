/** @module Opaque secrets (refresh, reset, invitation tokens): 256 random bits, stored as SHA-256 only. */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;

export function createOpaqueToken(): { token: string; tokenHash: string } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, tokenHash: hashToken(token) };
}

/** Lookup is by hash equality in the database, so no secret is ever compared in application code. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
