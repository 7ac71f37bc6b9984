/**
 * Ed25519 batch signatures with node:crypto (about 2× jose's throughput, ../shared/notes/libraries.md §7).
 * The signature covers only the newest event's hash: the chain makes it vouch for every event before it,
 * so the hub pays one verify (~0.1 ms) per batch instead of per event.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { TBatchSignature, TEventBatch, TPunchEvent } from '@clockface/contracts/sync';
import { SYNC_PROTOCOL_VERSION } from '@clockface/contracts/sync';
import { AppError } from '@clockface/core';
import { hashPunchEvent } from './chain';

const BATCH_DOMAIN = 'clockface.batch.v1\n';

/** The exact bytes signed: domain, device, seq and hash of the batch's newest event. */
export function batchSigningInput(deviceId: string, seq: number, hash: string): Buffer {
  return Buffer.from(`${BATCH_DOMAIN}${deviceId}\n${seq}\n${hash}`, 'utf8');
}

function assertEd25519(key: KeyObject, type: 'private' | 'public'): void {
  if (key.asymmetricKeyType !== 'ed25519' || key.type !== type) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected an Ed25519 ${type} key, got ${key.asymmetricKeyType ?? key.type} ${key.type}`,
    });
  }
}

/** Builds a signed batch from consecutive events (ascending seq). */
export function createEventBatch(options: {
  deviceId: string;
  kid: string;
  privateKey: KeyObject;
  events: TPunchEvent[];
}): TEventBatch {
  const last = options.events.at(-1);
  if (!last)
    throw new AppError('VALIDATION_FAILED', { message: 'Expected at least one event in a batch, got 0' });
  assertEd25519(options.privateKey, 'private');
  const sig = sign(null, batchSigningInput(options.deviceId, last.seq, last.hash), options.privateKey);
  return {
    protocolVersion: SYNC_PROTOCOL_VERSION,
    deviceId: options.deviceId,
    events: options.events,
    signature: {
      alg: 'Ed25519',
      kid: options.kid,
      seq: last.seq,
      hash: last.hash,
      sig: sig.toString('base64url'),
    },
  };
}

/**
 * True when the signature is the device key's over the batch's newest event, and that event's
 * content matches the signed hash. Per-event checks are `verifyChain`'s job.
 */
export function verifyBatchSignature(batch: TEventBatch, publicKey: KeyObject): boolean {
  const last = batch.events.at(-1);
  const signature: TBatchSignature = batch.signature;
  if (!last || last.seq !== signature.seq || last.hash !== signature.hash) return false;
  if (hashPunchEvent(last) !== signature.hash) return false;
  if (publicKey.asymmetricKeyType !== 'ed25519') return false;
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  return verify(
    null,
    batchSigningInput(batch.deviceId, signature.seq, signature.hash),
    key,
    Buffer.from(signature.sig, 'base64url'),
  );
}
