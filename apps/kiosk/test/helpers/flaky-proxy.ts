/**
 * A TCP proxy that makes the network bad on purpose: it refuses some connections outright, delays
 * every chunk, and cuts connections in the middle of a chunk in either direction (so a request can
 * die on the way in, or its answer on the way out after the hub already stored it).
 * Random but seeded, so a failing run can be repeated with the same seed.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FlakyProxyOptions {
  target: { host: string; port: number };
  /** Share of connections closed as soon as they open. */
  refuseRate: number;
  /** Share of chunks (either direction) at which the connection is cut, part of the chunk delivered. */
  cutRate: number;
  /** Each chunk is held back 0..maxDelayMs. */
  maxDelayMs: number;
  seed: number;
}

export interface FlakyProxy {
  url: string;
  stats: { connections: number; refused: number; cut: number };
  /** Pass everything through untouched (e.g. while provisioning). */
  setEnabled(enabled: boolean): void;
  close(): Promise<void>;
}

/** mulberry32: small, seedable, good enough to pick failures. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFlakyProxy(options: FlakyProxyOptions): Promise<FlakyProxy> {
  const next = random(options.seed);
  const stats = { connections: 0, refused: 0, cut: 0 };
  const sockets = new Set<Socket>();
  let isEnabled = true;

  const server: Server = createServer((client) => {
    stats.connections += 1;
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    if (isEnabled && next() < options.refuseRate) {
      stats.refused += 1;
      client.destroy();
      return;
    }
    const upstream = connect(options.target.port, options.target.host);
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    const relay = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        const delay = isEnabled ? Math.floor(next() * options.maxDelayMs) : 0;
        from.pause();
        setTimeout(() => {
          // Keep-alive carries many requests over one connection, so cuts are drawn per chunk: inside
          // a request (a batch of 50 is about 25 KB), or inside an answer the hub already stored.
          if (isEnabled && next() < options.cutRate) {
            stats.cut += 1;
            const keep = Math.floor(next() * chunk.length);
            if (keep > 0) to.write(chunk.subarray(0, keep));
            kill();
            return;
          }
          to.write(chunk);
          from.resume();
        }, delay);
      });
      from.once('end', () => to.end());
      from.once('error', kill);
    };
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setEnabled(enabled) {
      isEnabled = enabled;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
