import type { TPunchEvent } from '@clockface/contracts/sync';
import { appendToChain, genesisHead, type ChainHead } from './chain';

/** Test fixture (not exported by the package): a valid chain of mixed face and PIN punches. */
export const DEVICE = '019a0000-0000-7000-8000-0000000000d1';
export const EMPLOYEES = ['019a0000-0000-7000-8000-0000000000e1', '019a0000-0000-7000-8000-0000000000e2'];

export function buildChain(length: number, deviceId = DEVICE): TPunchEvent[] {
  const events: TPunchEvent[] = [];
  let head: ChainHead = genesisHead(deviceId);
  for (let index = 0; index < length; index += 1) {
    const event = appendToChain(head, {
      id: `019a0000-0000-7000-8000-${(index + 1).toString(16).padStart(12, '0')}`,
      deviceId,
      employeeId: EMPLOYEES[index % 2]!,
      type: index % 2 === 0 ? 'clock_in' : 'clock_out',
      method: index % 3 === 0 ? 'pin' : 'face',
      deviceTime: new Date(Date.UTC(2026, 10, 22, 8, 0, index)).toISOString(),
      monotonicMs: 1000 + index * 50,
      runId: '019a0000-0000-7000-8000-0000000000f1',
      score: index % 3 === 0 ? null : 0.8123,
      liveness: index % 3 === 0 ? null : 0.99,
      modelId: index % 3 === 0 ? null : 'arcface@1',
    });
    events.push(event);
    head = { seq: event.seq, hash: event.hash };
  }
  return events;
}
