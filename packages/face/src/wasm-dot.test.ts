import { describe, expect, it } from 'vitest';
import { Int8DotKernel, WasmSequentialReader } from './wasm-dot';

describe('Int8DotKernel', () => {
  it.each([16, 128, 512])('matches a plain dot product for dim %i', (dim) => {
    const kernel = new Int8DotKernel(dim);
    const rows = 37;
    const probeAt = rows * dim;
    const outAt = probeAt + dim * 2;
    kernel.ensure(outAt + rows * 4);
    const g = new Int8Array(kernel.memory.buffer, 0, rows * dim);
    for (let i = 0; i < g.length; i++) g[i] = ((i * 2654435761) >>> 24) - 128; // covers −128…127
    const p = new Int16Array(kernel.memory.buffer, probeAt, dim);
    for (let i = 0; i < dim; i++) p[i] = i % 2 === 0 ? 32_767 - i : -32_768 + i;
    kernel.run(0, probeAt, rows, outAt);
    const out = new Int32Array(kernel.memory.buffer, outAt, rows);
    for (let r = 0; r < rows; r++) {
      let ref = 0;
      for (let k = 0; k < dim; k++) ref += g[r * dim + k]! * p[k]!;
      expect(out[r]).toBe(ref);
    }
  });

  it.each([32, 128, 512])('4-bit codes match a plain dot product for dim %i', (dim) => {
    const kernel = new Int8DotKernel(dim, 4);
    const rows = 37;
    const probeAt = (rows * dim) / 2;
    const outAt = probeAt + dim * 2;
    kernel.ensure(outAt + rows * 4);
    const packed = new Uint8Array(kernel.memory.buffer, 0, (rows * dim) / 2);
    for (let i = 0; i < packed.length; i++) packed[i] = (i * 2654435761) >>> 24; // every nibble 0…15
    // Unpack as documented: byte j of a 32-dim block holds dim j (low nibble) and dim 16 + j (high).
    const nibble = (row: number, k: number) => {
      const byte = packed[(row * dim) / 2 + Math.floor(k / 32) * 16 + (k % 16)]!;
      return k % 32 < 16 ? byte & 0x0f : byte >> 4;
    };
    const p = new Int16Array(kernel.memory.buffer, probeAt, dim);
    for (let i = 0; i < dim; i++) p[i] = i % 2 === 0 ? 32_767 - i : -32_768 + i;
    kernel.run(0, probeAt, rows, outAt);
    const out = new Int32Array(kernel.memory.buffer, outAt, rows);
    for (let r = 0; r < rows; r++) {
      let ref = 0;
      for (let k = 0; k < dim; k++) ref += nibble(r, k) * p[k]!;
      expect(out[r]).toBe(ref);
    }
  });

  it('refuses a dimension the SIMD loop cannot cover', () => {
    expect(() => new Int8DotKernel(100)).toThrow(/multiple of 16/);
    expect(() => new Int8DotKernel(48, 4)).toThrow(/multiple of 32/);
  });
});

describe('WasmSequentialReader', () => {
  it('reads every byte (the XOR fold changes when any 16-byte word does)', () => {
    const kernel = new Int8DotKernel(16);
    kernel.ensure(4096);
    const reader = new WasmSequentialReader(kernel.memory);
    const words = new Int32Array(kernel.memory.buffer, 0, 1024);
    words.fill(0);
    expect(reader.read(0, 4096)).toBe(0);
    words[4 * 200] = 7; // lane 0 of the 200th 16-byte word
    words[4 * 201] = 5;
    expect(reader.read(0, 4096)).toBe(7 ^ 5);
    expect(reader.read(0, 64 * 50)).toBe(0); // stops before them
    expect(() => reader.read(0, 100)).toThrow(/multiple of 64/);
  });
});
