/**
 * @module An int8 dot-product kernel in hand-assembled WebAssembly SIMD, for the matcher's coarse
 * pass over large galleries: 1 byte per dimension instead of 4 means a quarter of the memory
 * traffic, and `i32x4.dot_i16x8_s` does 8 multiply-adds per instruction. Hand-assembled (about
 * 100 bytes) so no toolchain or binary file is needed. Opcodes from the WebAssembly SIMD spec.
 */

/** The few WebAssembly APIs used; the workspace's lib (ES2023, no DOM) does not declare them. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const SIMD = 0xfd;
const op = {
  block: 0x02,
  loop: 0x03,
  br_if: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Ne: 0x47,
  i32Store: 0x36,
  // SIMD sub-opcodes (LEB128-encoded after 0xfd).
  v128Load: [0x00],
  i32x4Splat: [0x11],
  i32x4ExtractLane: [0x1b],
  v128And: [0x4e],
  i8x16Splat: [0x0f],
  i16x8ShrU: [0x8d, 0x01],
  i16x8ExtendLowI8x16U: [0x89, 0x01],
  i16x8ExtendHighI8x16U: [0x8a, 0x01],
  i16x8ExtendLowI8x16S: [0x87, 0x01],
  i16x8ExtendHighI8x16S: [0x88, 0x01],
  i32x4Add: [0xae, 0x01],
  i32x4DotI16x8S: [0xba, 0x01],
} as const;

const simd = (sub: readonly number[], ...imm: number[]) => [SIMD, ...sub, ...imm];
const uleb = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

/**
 * scores(gallery, probe, rows, out): out[i] = Σ_k gallery[i·dim + k] · probe[k] with gallery int8
 * (or unsigned 4-bit 0…15, packed two per byte), probe int16, out int32. The row loop is unrolled for a fixed `dim` (a multiple of 16): every
 * load uses a constant offset, and two accumulators break the add dependency chain.
 * Locals: 0 gallery ptr, 1 probe ptr, 2 rows, 3 out ptr, 4 acc0, 5 acc1, 6 the loaded gallery bytes
 * (v128), 7 the 0x0f byte mask, 8 the low nibbles (4-bit only).
 */
function kernelBytes(dim: number, bits: 8 | 4): Uint8Array {
  const [G, P, ROWS, OUT, ACC0, ACC1, ROW, MASK] = [0, 1, 2, 3, 4, 5, 6, 7];
  const get = (l: number) => [op.localGet, l];
  const set = (l: number) => [op.localSet, l];
  const load = (ptr: number, offset: number) => [...get(ptr), ...simd(op.v128Load, 0, ...uleb(offset))];
  const chunks: number[] = [];
  // One widened half (8 values, int16) times the probe's int16 values for the same 8 dims.
  const dot8 = (extend: readonly number[], probeDim: number) => [
    ...get(ROW),
    ...simd(extend),
    ...load(P, 2 * probeDim),
    ...simd(op.i32x4DotI16x8S),
    ...simd(op.i32x4Add),
  ];
  const lanes = (local: number, extend: readonly number[], probeDim: number) => [
    ...get(local),
    ...simd(extend),
    ...load(P, 2 * probeDim),
    ...simd(op.i32x4DotI16x8S),
    ...simd(op.i32x4Add),
  ];
  if (bits === 8) {
    for (let k = 0; k < dim; k += 16) {
      const acc = (k / 16) % 2 === 0 ? ACC0 : ACC1;
      // One load of 16 gallery bytes, widened in two halves.
      chunks.push(...get(acc), ...load(G, k), ...set(ROW), ...get(ROW));
      chunks.push(...simd(op.i16x8ExtendLowI8x16S), ...load(P, 2 * k), ...simd(op.i32x4DotI16x8S));
      chunks.push(...simd(op.i32x4Add), ...dot8(op.i16x8ExtendHighI8x16S, k + 8), ...set(acc));
    }
  } else {
    // 4-bit: 16 bytes hold 32 dims; byte j's low nibble is dim 32b + j, its high nibble dim
    // 32b + 16 + j, so the probe stays in plain dim order. Nibbles are unsigned (0…15: the
    // caller stores value + 8 and subtracts 8·Σ probe afterwards), because x86 has no byte
    // shifts: the low nibble is v & 0x0f, the high one (v >> 4 as 16-bit lanes) & 0x0f.
    for (let k = 0; k < dim; k += 32) {
      const acc = (k / 32) % 2 === 0 ? ACC0 : ACC1;
      chunks.push(...get(acc));
      chunks.push(...load(G, k / 2), op.localTee, ROW, ...get(MASK), ...simd(op.v128And));
      chunks.push(...get(ROW), op.i32Const, 4, ...simd(op.i16x8ShrU), ...get(MASK), ...simd(op.v128And));
      // Stack: acc, low nibbles, high nibbles. Keep the high ones in ROW, use the low ones twice.
      chunks.push(...set(ROW), ...set(MASK + 1));
      chunks.push(
        ...lanes(MASK + 1, op.i16x8ExtendLowI8x16U, k),
        ...lanes(MASK + 1, op.i16x8ExtendHighI8x16U, k + 8),
      );
      chunks.push(
        ...lanes(ROW, op.i16x8ExtendLowI8x16U, k + 16),
        ...lanes(ROW, op.i16x8ExtendHighI8x16U, k + 24),
      );
      chunks.push(...set(acc));
    }
  }
  const lane = (i: number) => [...get(ACC0), ...simd(op.i32x4ExtractLane, i)];
  const body = [
    ...vec([[5, 0x7b]]),
    // MASK = i8x16.splat(0x0f) (used by the 4-bit kernel only)
    op.i32Const,
    0x0f,
    ...simd(op.i8x16Splat),
    ...set(MASK),
    op.block,
    0x40,
    ...get(ROWS),
    op.i32Eqz,
    op.br_if,
    0,
    op.loop,
    0x40,
    op.i32Const,
    0,
    ...simd(op.i32x4Splat),
    op.localTee,
    ACC0,
    ...set(ACC1),
    ...chunks,
    ...get(ACC0),
    ...get(ACC1),
    ...simd(op.i32x4Add),
    ...set(ACC0),
    // out[i] = sum of the 4 lanes
    ...get(OUT),
    ...lane(0),
    ...lane(1),
    op.i32Add,
    ...lane(2),
    op.i32Add,
    ...lane(3),
    op.i32Add,
    op.i32Store,
    2,
    0,
    // gallery += dim; out += 4; rows -= 1; loop while rows != 0
    ...get(G),
    op.i32Const,
    ...sleb((dim * bits) / 8),
    op.i32Add,
    ...set(G),
    ...get(OUT),
    op.i32Const,
    4,
    op.i32Add,
    ...set(OUT),
    ...get(ROWS),
    op.i32Const,
    0x7f,
    op.i32Add,
    op.localTee,
    ROWS,
    op.i32Const,
    0,
    op.i32Ne,
    op.br_if,
    0,
    op.end,
    op.end,
    op.end,
  ];
  const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
  const module = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    // type 0: (i32 i32 i32 i32) -> ()
    ...section(1, vec([[0x60, ...vec([[0x7f], [0x7f], [0x7f], [0x7f]]), 0]])),
    // import env.memory, at least 1 page
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('scores'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ];
  return Uint8Array.from(module);
}

/** Signed LEB128, for i32.const immediates. */
function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/**
 * Linear memory plus a kernel for one dimension: the caller writes gallery and probe into
 * `memory.buffer`. `bits` 8: one int8 per dim (`dim` a multiple of 16); `bits` 4: two unsigned
 * nibbles (0…15) per byte, `dim / 2` bytes per row (`dim` a multiple of 32; layout in `kernelBytes`).
 */
export class Int8DotKernel {
  readonly memory: WasmMemory;
  private readonly fn: (gallery: number, probe: number, rows: number, out: number) => void;

  constructor(
    readonly dim: number,
    readonly bits: 8 | 4 = 8,
  ) {
    const step = bits === 8 ? 16 : 32;
    if (dim % step !== 0 || dim <= 0)
      throw new RangeError(`dim must be a positive multiple of ${step}, got ${dim}`);
    this.memory = new Wasm.Memory({ initial: 1 });
    const instance = new Wasm.Instance(new Wasm.Module(kernelBytes(dim, bits)), {
      env: { memory: this.memory },
    });
    this.fn = instance.exports.scores as Int8DotKernel['fn'];
  }

  /** Makes sure the memory holds at least `bytes`; views over `memory.buffer` are invalid afterwards. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65_536));
  }

  run(galleryPtr: number, probePtr: number, rows: number, outPtr: number): void {
    if (rows > 0) this.fn(galleryPtr, probePtr, rows, outPtr);
  }
}

/**
 * The memory-bandwidth ceiling for the matcher benchmark: reads `bytes` (a multiple of 64) from
 * `ptr` with 128-bit loads, XOR-folding them into one vector so the loads cannot be skipped,
 * with the same instruction set and memory as the int8 kernel. Locals: 0 ptr, 1 bytes, 2 acc.
 */
function readerBytes(): Uint8Array {
  const [PTR, BYTES, ACC] = [0, 1, 2];
  const get = (l: number) => [op.localGet, l];
  const set = (l: number) => [op.localSet, l];
  const V128_XOR = [0x51];
  const loads: number[] = [];
  for (let k = 0; k < 64; k += 16)
    loads.push(...get(ACC), ...get(PTR), ...simd(op.v128Load, 0, ...uleb(k)), ...simd(V128_XOR), ...set(ACC));
  const body = [
    ...vec([[1, 0x7b]]),
    op.block,
    0x40,
    ...get(BYTES),
    op.i32Eqz,
    op.br_if,
    0,
    op.loop,
    0x40,
    ...loads,
    ...get(PTR),
    op.i32Const,
    ...sleb(64),
    op.i32Add,
    ...set(PTR),
    ...get(BYTES),
    op.i32Const,
    ...sleb(-64),
    op.i32Add,
    op.localTee,
    BYTES,
    op.i32Const,
    0,
    op.i32Ne,
    op.br_if,
    0,
    op.end,
    op.end,
    ...get(ACC),
    ...simd(op.i32x4ExtractLane, 0),
    op.end,
  ];
  const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    // type 0: (i32 i32) -> i32
    ...section(1, vec([[0x60, ...vec([[0x7f], [0x7f]]), ...vec([[0x7f]])]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('read'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

/** A plain sequential read of a kernel's memory (benchmarks: the bandwidth ceiling of a coarse pass). */
export class WasmSequentialReader {
  private readonly fn: (ptr: number, bytes: number) => number;

  constructor(readonly memory: WasmMemory) {
    const instance = new Wasm.Instance(new Wasm.Module(readerBytes()), { env: { memory } });
    this.fn = instance.exports.read as WasmSequentialReader['fn'];
  }

  /** XOR of every 32-bit lane-0 word group in [ptr, ptr + bytes); bytes must be a multiple of 64. */
  read(ptr: number, bytes: number): number {
    if (bytes % 64 !== 0) throw new RangeError(`bytes must be a multiple of 64, got ${bytes}`);
    return this.fn(ptr, bytes);
  }
}
