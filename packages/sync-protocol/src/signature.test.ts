import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ZEventBatch } from '@clockface/contracts/sync';
import { AppError } from '@clockface/core';
import { hashPunchEvent } from './chain';
import { DEVICE, buildChain } from './chain-fixture';
import { createEventBatch, verifyBatchSignature } from './signature';

const device = generateKeyPairSync('ed25519');
const attacker = generateKeyPairSync('ed25519');

describe('batch signature', () => {
  it('signs the newest hash; the batch passes the wire schema and verifies', () => {
    const batch = createEventBatch({
      deviceId: DEVICE,
      kid: 'kid-1',
      privateKey: device.privateKey,
      events: buildChain(3),
    });
    expect(ZEventBatch.parse(batch)).toEqual(batch);
    expect(batch.signature).toMatchObject({ seq: 3, hash: batch.events[2]!.hash });
    expect(verifyBatchSignature(batch, device.publicKey)).toBe(true);
  });

  it('fails for another key, a re-signed edit, a truncated batch and a swapped signature', () => {
    const events = buildChain(4);
    const batch = createEventBatch({ deviceId: DEVICE, kid: 'k', privateKey: device.privateKey, events });
    expect(verifyBatchSignature(batch, attacker.publicKey)).toBe(false);

    const edited = {
      ...events[3]!,
      employeeId:
        events[2]!.employeeId === events[3]!.employeeId ? events[0]!.employeeId : events[2]!.employeeId,
    };
    const rehashed = { ...edited, hash: hashPunchEvent(edited) };
    expect(
      verifyBatchSignature({ ...batch, events: [...events.slice(0, 3), rehashed] }, device.publicKey),
    ).toBe(false);
    const resigned = createEventBatch({
      deviceId: DEVICE,
      kid: 'k',
      privateKey: attacker.privateKey,
      events: [...events.slice(0, 3), rehashed],
    });
    expect(verifyBatchSignature(resigned, device.publicKey)).toBe(false);

    expect(verifyBatchSignature({ ...batch, events: events.slice(0, 3) }, device.publicKey)).toBe(false);
    const other = createEventBatch({
      deviceId: DEVICE,
      kid: 'k',
      privateKey: device.privateKey,
      events: events.slice(0, 2),
    });
    expect(verifyBatchSignature({ ...batch, signature: other.signature }, device.publicKey)).toBe(false);
  });

  it('refuses to sign with a key that is not Ed25519, or nothing at all', () => {
    const rsa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() =>
      createEventBatch({ deviceId: DEVICE, kid: 'k', privateKey: rsa.privateKey, events: buildChain(1) }),
    ).toThrow(AppError);
    expect(() =>
      createEventBatch({ deviceId: DEVICE, kid: 'k', privateKey: device.privateKey, events: [] }),
    ).toThrow(AppError);
  });
});
