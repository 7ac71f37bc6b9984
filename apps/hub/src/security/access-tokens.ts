/**
 * @module User access tokens: short-lived EdDSA JWTs (typ at+jwt, RFC 9068 style) carrying only
 * ids. Roles are read from the database on each request, never from the token.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError, type Clock, uuidv7 } from '@clockface/core';
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from 'jose';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_AUDIENCE = 'clockface-api';
const ALGORITHM = 'EdDSA';
/** Verified tokens remembered per process: a few MB at most. */
const VERIFIED_CACHE_SIZE = 10_000;

export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
}

export interface AccessTokenSigner {
  sign(claims: AccessTokenClaims): Promise<{ token: string; expiresAt: Date }>;
  verify(token: string): Promise<AccessTokenClaims>;
}

export interface SigningKeyOptions {
  issuer: string;
  ttlSeconds: number;
  clock: Clock;
}

/** Reads HUB_SIGNING_KEY, or (development) a key generated once and kept under DATA_DIR. */
export async function loadSigningJwk(configured: string | undefined, devKeyFile: string): Promise<JWK> {
  if (configured) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(configured) as JWK;
    } catch {
      throw new Error('HUB_SIGNING_KEY: expected an Ed25519 private key as JWK JSON');
    }
    if (
      jwk.kty !== 'OKP' ||
      jwk.crv !== 'Ed25519' ||
      typeof jwk.d !== 'string' ||
      typeof jwk.x !== 'string'
    ) {
      throw new Error(
        'HUB_SIGNING_KEY: expected an Ed25519 private key (kty OKP, crv Ed25519, with d and x)',
      );
    }
    return jwk;
  }
  if (existsSync(devKeyFile)) return JSON.parse(readFileSync(devKeyFile, 'utf8')) as JWK;
  const jwk = await generateSigningJwk();
  mkdirSync(dirname(devKeyFile), { recursive: true, mode: 0o700 });
  writeFileSync(devKeyFile, JSON.stringify(jwk), { mode: 0o600 });
  return jwk;
}

export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  return exportJWK(privateKey);
}

export async function createAccessTokenSigner(
  privateJwk: JWK,
  options: SigningKeyOptions,
): Promise<AccessTokenSigner> {
  const kid = await calculateJwkThumbprint(privateJwk);
  const privateKey = (await importJWK(privateJwk, ALGORITHM)) as CryptoKey;
  const { d: _private, ...publicJwk } = privateJwk;
  const publicKey = (await importJWK(publicJwk, ALGORITHM)) as CryptoKey;

  // Signature verification is the costliest step of every request. A token string that verified
  // once verifies again until it expires, so remember it; the session is still checked in the
  // database each time, which is what revocation relies on. Bounded, oldest entries evicted first.
  const verified = new Map<string, AccessTokenClaims & { expiresAtMs: number }>();

  return {
    async sign({ userId, sessionId }) {
      const issuedAt = Math.floor(options.clock.now().getTime() / 1000);
      const expiresAt = issuedAt + options.ttlSeconds;
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid })
        .setIssuer(options.issuer)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setSubject(userId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(uuidv7())
        .sign(privateKey);
      return { token, expiresAt: new Date(expiresAt * 1000) };
    },

    async verify(token) {
      const cached = verified.get(token);
      if (cached) {
        if (cached.expiresAtMs > options.clock.now().getTime())
          return { userId: cached.userId, sessionId: cached.sessionId };
        verified.delete(token);
      }
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          algorithms: [ALGORITHM],
          typ: ACCESS_TOKEN_TYPE,
          issuer: options.issuer,
          audience: ACCESS_TOKEN_AUDIENCE,
          requiredClaims: ['exp', 'iat', 'sub', 'sid'],
          maxTokenAge: options.ttlSeconds,
          clockTolerance: 30,
          currentDate: options.clock.now(),
        });
        if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('claims');
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
        verified.set(token, {
          userId: payload.sub,
          sessionId: payload.sid,
          expiresAtMs: payload.exp! * 1000,
        });
        return { userId: payload.sub, sessionId: payload.sid };
      } catch {
        // Every failure (bad signature, wrong alg, expired, malformed, even a TypeError from a key
        // mismatch) is the same 401: the caller learns nothing about why.
        throw new AppError('UNAUTHENTICATED', { message: 'The access token is invalid or has expired' });
      }
    },
  };
}
