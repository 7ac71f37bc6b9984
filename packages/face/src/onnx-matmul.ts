/**
 * @module One-node ONNX graphs encoded by hand, so the matcher can use onnxruntime's SIMD kernels
 * (MLAS: AVX2 / AVX-512 VNNI) instead of a scalar JS loop, without shipping a model file or a
 * protobuf library. Field numbers from onnx.proto: ModelProto (ir_version 1, graph 7,
 * opset_import 8), GraphProto (node 1, name 2, initializer 5, input 11, output 12), NodeProto
 * (input 1, output 2, op_type 4), TensorProto (dims 1, data_type 2, name 8, raw_data 9),
 * ValueInfoProto (name 1, type 2), TypeProto (tensor_type 1), TypeProto.Tensor (elem_type 1, shape 2).
 */

/** ONNX TensorProto.DataType values. */
export const ONNX_FLOAT = 1;
export const ONNX_INT8 = 3;
export const ONNX_INT32 = 6;

type Chunk = Uint8Array;

function varint(n: number): Chunk {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function concat(chunks: Chunk[]): Chunk {
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const enc = new TextEncoder();
/** A length-delimited field (wire type 2). */
const bytesField = (field: number, ...payload: Chunk[]): Chunk => {
  const body = concat(payload);
  return concat([varint((field << 3) | 2), varint(body.length), body]);
};
const stringField = (field: number, s: string): Chunk => bytesField(field, enc.encode(s));
/** A varint field (wire type 0). */
const intField = (field: number, n: number): Chunk => concat([varint(field << 3), varint(n)]);

interface IoSpec {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

function valueInfo({ name, elemType, dims }: IoSpec): Chunk {
  const shape = dims.map((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)));
  return concat([
    stringField(1, name),
    bytesField(2, bytesField(1, intField(1, elemType), bytesField(2, ...shape))),
  ]);
}

function initializer(name: string, elemType: number, dims: number[], raw: Uint8Array): Chunk {
  return concat([
    ...dims.map((d) => intField(1, d)),
    intField(2, elemType),
    stringField(8, name),
    bytesField(9, raw),
  ]);
}

function singleNodeModel(
  opType: string,
  inputs: IoSpec[],
  output: IoSpec,
  initializers: { name: string; elemType: number; dims: number[]; raw: Uint8Array }[] = [],
): Uint8Array {
  const node = concat([
    ...[...inputs.map((i) => i.name), ...initializers.map((i) => i.name)].map((n) => stringField(1, n)),
    stringField(2, output.name),
    stringField(4, opType),
  ]);
  const graph = concat([
    bytesField(1, node),
    stringField(2, opType.toLowerCase()),
    ...initializers.map((i) => bytesField(5, initializer(i.name, i.elemType, i.dims, i.raw))),
    ...inputs.map((i) => bytesField(11, valueInfo(i))),
    bytesField(12, valueInfo(output)),
  ]);
  // ir_version 8 (ONNX 1.10+), default domain at opset 13.
  return concat([intField(1, 8), bytesField(8, stringField(1, ''), intField(2, 13)), bytesField(7, graph)]);
}

/**
 * MatMulInteger(probe [1, dim] int8, gallery [dim, n] int8 constant) → int32 scores [1, n].
 * The gallery is an initializer, so onnxruntime packs it once at session creation and each
 * query streams the packed bytes through the VNNI kernel.
 */
export function int8GalleryModel(galleryT: Int8Array, dim: number, n: number): Uint8Array {
  return singleNodeModel(
    'MatMulInteger',
    [{ name: 'probe', elemType: ONNX_INT8, dims: [1, dim] }],
    { name: 'scores', elemType: ONNX_INT32, dims: [1, n] },
    [
      {
        name: 'gallery',
        elemType: ONNX_INT8,
        dims: [dim, n],
        raw: new Uint8Array(galleryT.buffer, galleryT.byteOffset, galleryT.byteLength),
      },
    ],
  );
}

/** MatMul(gallery [n, dim] float32, probe [dim, 1]) → scores [n, 1], n symbolic. */
export function gemvModel(dim: number): Uint8Array {
  return singleNodeModel(
    'MatMul',
    [
      { name: 'gallery', elemType: ONNX_FLOAT, dims: ['n', dim] },
      { name: 'probe', elemType: ONNX_FLOAT, dims: [dim, 1] },
    ],
    { name: 'scores', elemType: ONNX_FLOAT, dims: ['n', 1] },
  );
}

/** MatMul(a [n, dim] float32, b [dim, m]) → [n, m]: all-pairs similarities for the benchmark. */
export function gemmModel(dim: number): Uint8Array {
  return singleNodeModel(
    'MatMul',
    [
      { name: 'gallery', elemType: ONNX_FLOAT, dims: ['n', dim] },
      { name: 'probe', elemType: ONNX_FLOAT, dims: [dim, 'm'] },
    ],
    { name: 'scores', elemType: ONNX_FLOAT, dims: ['n', 'm'] },
  );
}

/**
 * ReduceSum over a buffer viewed as float32 [m]: a plain sequential read of the bytes through the
 * same runtime, used as the memory-bandwidth ceiling for the matcher.
 */
export function readAllModel(): Uint8Array {
  return singleNodeModel('ReduceSum', [{ name: 'data', elemType: ONNX_FLOAT, dims: ['m'] }], {
    name: 'total',
    elemType: ONNX_FLOAT,
    dims: [1],
  });
}
