/**
 * @module Time-ordered ids (RFC 9562 UUIDv7): index-friendly and sortable by creation time.
 */
import { v7, validate, version } from 'uuid';

export function uuidv7(): string {
  return v7();
}

export function isUuid(value: string): boolean {
  return validate(value);
}

export function isUuidv7(value: string): boolean {
  return validate(value) && version(value) === 7;
}
