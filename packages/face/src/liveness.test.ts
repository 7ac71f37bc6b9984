import { describe, expect, it } from 'vitest';
import { assessAttack, checkActive, combinePassive, type FrameObservation } from './liveness';

const frame = (eyeAspect: number, yaw = 0, x = 100): FrameObservation => ({
  box: { x, y: 100, width: 200, height: 200 },
  pose: { yaw, pitch: 0, roll: 0 },
  eyeAspect,
});

describe('checkActive', () => {
  it('sees a blink: open, closed, open again', () => {
    const seq = [0.3, 0.31, 0.29, 0.12, 0.08, 0.15, 0.28, 0.3].map((e) => frame(e));
    expect(checkActive(seq).blink).toBe(true);
  });

  it('a printed photo keeps its eyes at one level: no blink, no turn', () => {
    const seq = Array.from({ length: 12 }, (_, i) => frame(0.3 + (i % 2) * 0.005, i % 3));
    const r = checkActive(seq);
    expect(r.blink).toBe(false);
    expect(r.headTurn).toBe(false);
  });

  it('eyes that close and stay closed are not a blink', () => {
    expect(checkActive([0.3, 0.3, 0.3, 0.3, 0.1, 0.1].map((e) => frame(e))).blink).toBe(false);
  });

  it('sees a small head turn', () => {
    const r = checkActive([0, 4, 9, 14].map((yaw) => frame(0.3, yaw)));
    expect(r.headTurn).toBe(true);
    expect(r.yawSpanDeg).toBe(14);
  });

  it('flags a sequence whose face jumps (a swapped photo)', () => {
    expect(checkActive([frame(0.3, 0, 100), frame(0.3, 0, 600)]).broken).toBe(true);
  });
});

describe('assessAttack', () => {
  const blink = [0.3, 0.3, 0.1, 0.3].map((e) => frame(e));
  const still = [0.3, 0.3, 0.3, 0.3].map((e) => frame(e));

  it('off never checks', () => {
    expect(assessAttack('off', 0.01)).toMatchObject({ verdict: 'not-checked', allowed: true });
  });

  it('warn reports a low passive score but lets the punch through', () => {
    expect(assessAttack('warn', 0.2)).toMatchObject({ verdict: 'suspect', allowed: true });
    expect(assessAttack('warn', 0.9)).toMatchObject({ verdict: 'pass', allowed: true });
  });

  it('block asks for a challenge until a blink or turn is seen', () => {
    expect(assessAttack('block', 0.9)).toMatchObject({ verdict: 'challenge-required', allowed: false });
    expect(assessAttack('block', 0.9, still)).toMatchObject({
      verdict: 'challenge-required',
      allowed: false,
    });
    expect(assessAttack('block', 0.9, blink)).toMatchObject({ verdict: 'pass', allowed: true });
    // A replayed video can blink: a low passive score still refuses.
    expect(assessAttack('block', 0.2, blink)).toMatchObject({ verdict: 'fail', allowed: false });
  });

  it('combines the passive scores that are available', () => {
    expect(combinePassive({}).combined).toBe(1);
    expect(combinePassive({ frLiveness: 0.9, humanReal: 0.5 }).combined).toBeCloseTo(0.7, 9);
  });
});
