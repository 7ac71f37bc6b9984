/**
 * @module Time as a dependency, so tests move the clock instead of sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move; for tests of expiry and rate limits. */
export class ManualClock implements Clock {
  #epochMs: number;

  constructor(start: Date | string | number = Date.now()) {
    this.#epochMs = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#epochMs);
  }

  advance(milliseconds: number): void {
    this.#epochMs += milliseconds;
  }

  set(to: Date | string | number): void {
    this.#epochMs = new Date(to).getTime();
  }
}
