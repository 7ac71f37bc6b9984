/**
 * @module The matcher: all templates of one model in one contiguous Float32Array (several per
 * person), exact cosine search through onnxruntime's SIMD GEMV, a threshold plus a margin over
 * the best other person, and open-set answers ("unknown" is a result, never the nearest person).
 */
import { AppError } from '@clockface/core';
import * as ort from 'onnxruntime-node';
import { gemvModel } from './onnx-matmul';
import type { FaceTemplate } from './types';
import { Int8DotKernel } from './wasm-dot';

export interface MatchOptions {
  /** Cosine similarity the best template must reach. */
  threshold: number;
  /** The best person must beat the best other person by at least this much. */
  margin: number;
}

/**
 * Starting point for fr_feature: near the FAR = 1e-4 point measured over ~3.6 M impostor pairs
 * on the dev set (≈ 0.41), rounded down, because 1:N search over N people multiplies the
 * false-accept rate by about N. Re-derive it on the org's own enrollment data.
 */
export const FR_FEATURE_MATCH: MatchOptions = { threshold: 0.4, margin: 0.08 };
/** Same idea for faceres (FAR = 1e-4 at ≈ 0.68 on the dev set); impostors sit near 0.38 for this model. */
export const FACERES_MATCH: MatchOptions = { threshold: 0.68, margin: 0.05 };

export type MatchStatus = 'match' | 'unknown';

export interface MatchResult {
  status: MatchStatus;
  /** Set only when status is 'match'. */
  personId?: string;
  /** Best person and score, even when the answer is unknown (for logs and evidence). */
  best?: { personId: string; score: number };
  runnerUp?: { personId: string; score: number };
  /** Why an unknown: nobody enrolled, best below threshold, or too close to another person. */
  reason?: 'empty-gallery' | 'below-threshold' | 'ambiguous';
}

export interface LookAlike {
  personA: string;
  personB: string;
  /** Highest similarity between any template of A and any template of B. */
  score: number;
}

const INITIAL_CAPACITY_ROWS = 256;

/**
 * From this many templates on, identify() searches in two stages: a coarse pass scores a 4-bit
 * copy of the gallery with a WASM SIMD kernel (an eighth of the bytes of float32: 256 bytes per
 * 512-d template, the pass is memory-bound), then the best RERANK_ROWS are rescored exactly in
 * float32 and the decision uses only exact scores. Below it the exhaustive exact float32 GEMV
 * answers (measured: 10k rows ≈ 1.3 ms exact against ≈ 1.9 ms coarse, whose fixed JS selection
 * cost dominates at that size), so small galleries always get the exhaustive answer.
 */
export const COARSE_MIN_ROWS = 32_768;
/**
 * Rows rescored exactly after the coarse pass. 4-bit rounding (each row scaled so its largest
 * |value| is 7) moves a 512-d cosine by about 0.006 (std; a few hundredths at worst), so the
 * true best and the best other person are inside the top 256 unless more than 256 templates sit
 * within that error of them — and then the decision is 'ambiguous' either way unless the runner-up
 * scores are far apart. matcher.test.ts checks the decisions against the exhaustive search on
 * clustered synthetic galleries.
 */
export const RERANK_ROWS = 256;
/** Rows are scaled to ±7 and stored as value + 8 (unsigned nibbles 1…15, see wasm-dot.ts). */
const CODE_MAX = 7;
const CODE_OFFSET = 8;
/** int16 probe scale: 15 × 32,767 × 1,024 dims (faceres) still fits an int32 sum. */
const PROBE_Q = 32_767;

export class FaceGallery {
  private data: Float32Array;
  private rowPerson: Int32Array;
  private rows = 0;
  private readonly personIds: string[] = [];
  private readonly personSlot = new Map<string, number>();
  private session: ort.InferenceSession | undefined;
  /**
   * 4-bit copy of every row (scaled to ±7 by its own max, two dims per byte, `dim / 2` bytes a
   * row; layout in wasm-dot.ts) inside the kernel's memory at offset 0: the coarse pass's gallery.
   */
  private readonly kernel: Int8DotKernel | undefined;
  private rowScale: Float32Array;

  private constructor(
    readonly modelId: string,
    readonly dim: number,
    private readonly coarseMinRows: number,
  ) {
    this.data = new Float32Array(INITIAL_CAPACITY_ROWS * dim);
    this.rowPerson = new Int32Array(INITIAL_CAPACITY_ROWS);
    this.rowScale = new Float32Array(INITIAL_CAPACITY_ROWS);
    this.kernel = dim % 32 === 0 ? new Int8DotKernel(dim, 4) : undefined;
    this.kernel?.ensure(this.codeBytes(INITIAL_CAPACITY_ROWS));
  }

  /** @example const gallery = await FaceGallery.create('fr_feature-87aacdfe-bgr-flip', 512); */
  static async create(
    modelId: string,
    dim: number,
    options: { coarseMinRows?: number } = {},
  ): Promise<FaceGallery> {
    const gallery = new FaceGallery(modelId, dim, options.coarseMinRows ?? COARSE_MIN_ROWS);
    // One thread: a query is memory-bound, and the kiosk's other core runs the camera pipeline.
    gallery.session = await ort.InferenceSession.create(gemvModel(dim), {
      logSeverityLevel: 3,
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    return gallery;
  }

  get size(): number {
    return this.rows;
  }

  get personCount(): number {
    return this.personSlot.size;
  }

  /** Adds one template; it must come from this gallery's model and be L2-normalised. */
  add(personId: string, template: FaceTemplate | Float32Array): void {
    const vector = template instanceof Float32Array ? template : template.vector;
    if (!(template instanceof Float32Array) && template.modelId !== this.modelId) {
      throw new AppError('VALIDATION_FAILED', {
        message: `Template from model ${template.modelId} cannot join a ${this.modelId} gallery; re-enroll with the current model.`,
      });
    }
    if (vector.length !== this.dim) {
      throw new AppError('VALIDATION_FAILED', {
        message: `Expected a ${this.dim}-d template, got ${vector.length}-d.`,
      });
    }
    if (this.rows * this.dim === this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
      const grownPersons = new Int32Array(this.rowPerson.length * 2);
      grownPersons.set(this.rowPerson);
      this.rowPerson = grownPersons;
      const grownScales = new Float32Array(this.rowScale.length * 2);
      grownScales.set(this.rowScale);
      this.rowScale = grownScales;
      this.kernel?.ensure(this.codeBytes(this.rowScale.length));
    }
    let slot = this.personSlot.get(personId);
    if (slot === undefined) {
      slot = this.personIds.length;
      this.personIds.push(personId);
      this.personSlot.set(personId, slot);
    }
    this.data.set(vector, this.rows * this.dim);
    this.rowPerson[this.rows] = slot;
    if (this.kernel) {
      let max = 0;
      for (let k = 0; k < this.dim; k++) max = Math.max(max, Math.abs(vector[k]!));
      const scale = max > 0 ? CODE_MAX / max : 1;
      const codes = new Uint8Array(this.kernel.memory.buffer, this.codeBytes(this.rows), this.dim / 2);
      // Each 32-dim block is 16 bytes: byte j holds dim j in its low nibble, dim 16 + j in its
      // high one, stored as value + CODE_OFFSET (0…14; the kernel reads unsigned nibbles).
      for (let b = 0; b < this.dim; b += 32) {
        for (let j = 0; j < 16; j++) {
          const lo = Math.round(vector[b + j]! * scale) + CODE_OFFSET;
          const hi = Math.round(vector[b + 16 + j]! * scale) + CODE_OFFSET;
          codes[b / 2 + j] = lo | (hi << 4);
        }
      }
      this.rowScale[this.rows] = 1 / scale;
    }
    this.rows++;
  }

  /** Removes every template of a person (termination, consent withdrawn). Returns how many. */
  remove(personId: string): number {
    const slot = this.personSlot.get(personId);
    if (slot === undefined) return 0;
    let write = 0;
    for (let read = 0; read < this.rows; read++) {
      if (this.rowPerson[read] === slot) continue;
      if (write !== read) {
        this.data.copyWithin(write * this.dim, read * this.dim, (read + 1) * this.dim);
        this.rowPerson[write] = this.rowPerson[read]!;
        this.rowScale[write] = this.rowScale[read]!;
        if (this.kernel) {
          new Uint8Array(this.kernel.memory.buffer).copyWithin(
            this.codeBytes(write),
            this.codeBytes(read),
            this.codeBytes(read + 1),
          );
        }
      }
      write++;
    }
    const removed = this.rows - write;
    this.rows = write;
    this.personSlot.delete(personId);
    // The slot stays allocated (ids are not renumbered); a re-added person gets a new slot.
    this.personIds[slot] = '';
    return removed;
  }

  /**
   * Zeroes every template in memory (float32 rows and their 4-bit copy) and empties the gallery:
   * the kiosk calls it when the device is revoked, so no biometric data outlives the wipe.
   */
  wipe(): void {
    this.data.fill(0);
    this.rowScale.fill(0);
    if (this.kernel) new Uint8Array(this.kernel.memory.buffer).fill(0);
    this.rows = 0;
    this.personIds.length = 0;
    this.personSlot.clear();
  }

  /** Cosine similarity of the probe with every template, in row order. */
  async scores(probe: Float32Array): Promise<Float32Array> {
    if (probe.length !== this.dim) {
      throw new AppError('VALIDATION_FAILED', {
        message: `Expected a ${this.dim}-d probe, got ${probe.length}-d.`,
      });
    }
    if (this.rows === 0) return new Float32Array(0);
    const out = await this.session!.run({
      gallery: new ort.Tensor('float32', this.data.subarray(0, this.rows * this.dim), [this.rows, this.dim]),
      probe: new ort.Tensor('float32', probe, [this.dim, 1]),
    });
    return out.scores!.data as Float32Array;
  }

  /**
   * Open-set identification: the best person if their best template reaches `threshold` and
   * beats every other person by `margin`; otherwise unknown.
   */
  async identify(probe: Float32Array, options: MatchOptions, excludePersonId?: string): Promise<MatchResult> {
    const { rows, scores } =
      this.kernel && this.rows >= this.coarseMinRows
        ? this.coarseThenExact(probe)
        : await this.allRows(probe);
    const exclude = excludePersonId === undefined ? -1 : (this.personSlot.get(excludePersonId) ?? -1);
    let s1 = Number.NEGATIVE_INFINITY;
    let p1 = -1;
    let s2 = Number.NEGATIVE_INFINITY;
    let p2 = -1;
    // One pass keeping the best person and the best *other* person.
    for (let j = 0; j < scores.length; j++) {
      const s = scores[j]!;
      const p = this.rowPerson[rows ? rows[j]! : j]!;
      if (p === exclude) continue;
      if (p === p1) {
        if (s > s1) s1 = s;
      } else if (s > s1) {
        s2 = s1;
        p2 = p1;
        s1 = s;
        p1 = p;
      } else if (s > s2) {
        s2 = s;
        p2 = p;
      }
    }
    if (p1 < 0) return { status: 'unknown', reason: 'empty-gallery' };
    const best = { personId: this.personIds[p1]!, score: s1 };
    const runnerUp = p2 >= 0 ? { personId: this.personIds[p2]!, score: s2 } : undefined;
    const base = { best, ...(runnerUp ? { runnerUp } : {}) };
    if (s1 < options.threshold) return { status: 'unknown', reason: 'below-threshold', ...base };
    if (runnerUp && s1 - runnerUp.score < options.margin)
      return { status: 'unknown', reason: 'ambiguous', ...base };
    return { status: 'match', personId: best.personId, ...base };
  }

  private async allRows(probe: Float32Array): Promise<{ rows: undefined; scores: Float32Array }> {
    return { rows: undefined, scores: await this.scores(probe) };
  }

  /** Byte offset of a row's 4-bit codes in the kernel's memory (also the size of `rows` rows). */
  private codeBytes(rows: number): number {
    return (rows * this.dim) / 2;
  }

  /** 4-bit scores for every row (WASM SIMD), then exact float32 scores for the best RERANK_ROWS. */
  private coarseThenExact(probe: Float32Array): { rows: Int32Array; scores: Float32Array } {
    if (probe.length !== this.dim) {
      throw new AppError('VALIDATION_FAILED', {
        message: `Expected a ${this.dim}-d probe, got ${probe.length}-d.`,
      });
    }
    const kernel = this.kernel!;
    const probeOffset = this.codeBytes(this.rowScale.length);
    const outOffset = probeOffset + this.dim * 2;
    kernel.ensure(outOffset + this.rows * 4);
    let max = 0;
    for (let k = 0; k < this.dim; k++) max = Math.max(max, Math.abs(probe[k]!));
    const scale = max > 0 ? PROBE_Q / max : 1;
    const q = new Int16Array(kernel.memory.buffer, probeOffset, this.dim);
    // Σ (code + 8)·q = Σ code·q + 8·Σ q: the offset term is the same for every row.
    let offsetTerm = 0;
    for (let k = 0; k < this.dim; k++) offsetTerm += q[k] = Math.round(probe[k]! * scale);
    offsetTerm *= CODE_OFFSET;
    kernel.run(0, probeOffset, this.rows, outOffset);
    const raw = new Int32Array(kernel.memory.buffer, outOffset, this.rows);
    // Keep the top RERANK_ROWS by approximate score in a min-heap (its root is the weakest kept
    // row; most rows fail that first test, the rest cost log2(RERANK_ROWS) steps).
    const keep = Math.min(RERANK_ROWS, this.rows);
    const topRows = new Int32Array(keep).fill(-1);
    const topScores = new Float64Array(keep).fill(Number.NEGATIVE_INFINITY);
    const rowScale = this.rowScale;
    for (let i = 0; i < this.rows; i++) {
      const approx = (raw[i]! - offsetTerm) * rowScale[i]!;
      if (approx <= topScores[0]!) continue;
      // Replace the root and sift it down.
      let j = 0;
      for (;;) {
        const l = 2 * j + 1;
        if (l >= keep) break;
        const c = l + 1 < keep && topScores[l + 1]! < topScores[l]! ? l + 1 : l;
        if (topScores[c]! >= approx) break;
        topScores[j] = topScores[c]!;
        topRows[j] = topRows[c]!;
        j = c;
      }
      topScores[j] = approx;
      topRows[j] = i;
    }
    // Row order, as the exhaustive scan sees them: equal scores then resolve to the same person.
    topRows.sort();
    const exact = new Float32Array(keep);
    for (let j = 0; j < keep; j++) {
      const o = topRows[j]! * this.dim;
      let a = 0;
      for (let k = 0; k < this.dim; k++) a += this.data[o + k]! * probe[k]!;
      exact[j] = a;
    }
    return { rows: topRows, scores: exact };
  }

  /**
   * People whose templates come closer than `threshold − safeMargin` to someone else's: a probe of
   * one could be taken for the other, so the org should require a PIN for that pair.
   * Pass `personId` to check one (newly enrolled) person, or nothing for the whole gallery.
   */
  async lookAlikes(options: MatchOptions & { safeMargin: number }, personId?: string): Promise<LookAlike[]> {
    const limit = options.threshold - options.safeMargin;
    const pairs = new Map<string, LookAlike>();
    for (let row = 0; row < this.rows; row++) {
      const slot = this.rowPerson[row]!;
      const a = this.personIds[slot]!;
      if (personId !== undefined && a !== personId) continue;
      const probe = this.data.slice(row * this.dim, (row + 1) * this.dim);
      const scores = await this.scores(probe);
      for (let i = 0; i < this.rows; i++) {
        const other = this.rowPerson[i]!;
        if (other === slot || scores[i]! < limit) continue;
        const b = this.personIds[other]!;
        const [x, y] = a < b ? [a, b] : [b, a];
        const key = `${x}\u0000${y}`;
        const prev = pairs.get(key);
        if (!prev || prev.score < scores[i]!) pairs.set(key, { personA: x, personB: y, score: scores[i]! });
      }
    }
    return [...pairs.values()].sort((p, q) => q.score - p.score);
  }

  async close(): Promise<void> {
    await this.session?.release();
    this.session = undefined;
  }
}
