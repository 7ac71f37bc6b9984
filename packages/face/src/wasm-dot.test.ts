import { describe, expect, it } from 'vitest';
import { Int8DotKernel } from './wasm-dot';

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

  it('refuses a dimension the SIMD loop cannot cover', () => {
    expect(() => new Int8DotKernel(100)).toThrow(/multiple of 16/);
  });
});
