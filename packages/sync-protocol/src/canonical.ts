/**
 * Canonical JSON: object keys sorted by UTF-16 code units at every depth, no whitespace, `undefined`
 * members left out, numbers as ECMAScript prints them. The same bytes on the kiosk and the hub, so a
 * hash or signature over them is reproducible on both ends (the JSON shape of RFC 8785 JCS).
 *
 * `null` and an absent key encode differently, which is why the wire schema makes evidence fields
 * `nullable` rather than optional: an optional field added later is simply absent on old kiosks and
 * their hashes stay unchanged.
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot canonicalize a non-finite number (${value})`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalize(item)).join(',')}]`;
      const record = value as Record<string, unknown>;
      // Hot path (the hub hashes every ingested event): no intermediate arrays beyond the key list.
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (out.length > 1) out += ',';
        out += `${quoteKey(key)}:${canonicalize(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`Cannot canonicalize a value of type ${typeof value}`);
  }
}

const quotedKeys = new Map<string, string>();

/** JSON-quoted key, memoised: wire objects reuse the same few dozen keys. */
function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 1024) quotedKeys.set(key, quoted);
  }
  return quoted;
}
