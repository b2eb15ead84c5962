// A TCP proxy on 127.0.0.1 whose faults a test switches on and off.
//
// Hand-written rather than a library: Toxiproxy (the usual tool) is a Go
// server that its npm client only drives, and the npm TCP forwarders
// (node-tcp-proxy, tcp-proxy.js) have no faults. It is test infrastructure,
// exercised by the tests in test/reliability.
//
// Faults keep TCP's guarantees, as a real network does: bytes are delayed or
// held, never dropped from the middle of a stream (that would corrupt the
// HTTP/2 framing and HPACK state, which no network can do to TCP). A
// "dropped" connection is one that never delivers anything, as when a SYN-ACK
// comes from a broken middlebox; a partition holds every byte until heal().
import { createServer, connect, type Server, type Socket } from 'node:net';

/** TcpFaultProxyOptions configures startTcpFaultProxy. */
export interface TcpFaultProxyOptions {
  /** targetPort is the port on 127.0.0.1 the proxy forwards to. */
  targetPort: number;
  /**
   * listenPort is the port the proxy listens on.
   * @defaultValue 0 (any free port)
   */
  listenPort?: number;
  /**
   * random draws the numbers that decide drops; injectable for tests.
   * @defaultValue Math.random
   */
  random?: () => number;
}

/** TcpFaultProxyStats counts what the proxy did since it started. */
export interface TcpFaultProxyStats {
  /** accepted counts client connections. */
  readonly accepted: number;
  /** dropped counts connections accepted but never forwarded (setDropRate). */
  readonly dropped: number;
  /** reset counts connections destroyed with RST by resetAll(). */
  readonly reset: number;
  /** open counts connections alive now. */
  readonly open: number;
  /** bytesToTarget and bytesToClient count bytes delivered each way. */
  readonly bytesToTarget: number;
  readonly bytesToClient: number;
  /** held counts bytes held right now by a partition. */
  readonly held: number;
}

/** TcpFaultProxy is a running proxy and its fault switches. */
export interface TcpFaultProxy {
  readonly port: number;
  /** url is `http://127.0.0.1:<port>`, for HTTP clients. */
  readonly url: string;
  /** setLatency delays every chunk, each way, by `ms` (order is kept). */
  setLatency(ms: number): void;
  /** setDropRate makes each new connection, with probability `p`, a black hole: accepted, never forwarded. */
  setDropRate(p: number): void;
  /** partition holds every byte of every connection, new ones included, until heal(). */
  partition(): void;
  /** heal ends a partition: held bytes flow on, in order. */
  heal(): void;
  /** resetAll destroys every open connection, both sides, with a TCP RST. */
  resetAll(): void;
  stats(): TcpFaultProxyStats;
  /** close resets every connection and stops listening. */
  close(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  readonly target: Socket | undefined;
}

/** startTcpFaultProxy starts a proxy to `targetPort` and resolves once it listens. */
export async function startTcpFaultProxy(options: TcpFaultProxyOptions): Promise<TcpFaultProxy> {
  const random = options.random ?? Math.random;
  let latencyMs = 0;
  let dropRate = 0;
  let partitioned = false;
  const links = new Set<Link>();
  // Every direction of every link registers here so heal() can flush it.
  const flushers = new Set<() => void>();
  const counts = { accepted: 0, dropped: 0, reset: 0, bytesToTarget: 0, bytesToClient: 0 };
  let held = 0;

  // pipe forwards `from` to `to` through a queue: a chunk leaves at
  // max(arrival + latency, previous departure), and not at all while partitioned.
  const pipe = (from: Socket, to: Socket, count: (bytes: number) => void): void => {
    const queue: Array<{ at: number; chunk: Buffer }> = [];
    let timer: NodeJS.Timeout | undefined;
    let lastAt = 0;
    let ended = false;
    const flush = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (partitioned) return;
      const now = performance.now();
      while (queue.length > 0 && queue[0]!.at <= now) {
        const { chunk } = queue.shift()!;
        held -= chunk.length;
        if (!to.destroyed) to.write(chunk);
        count(chunk.length);
      }
      if (queue.length > 0) timer = setTimeout(flush, queue[0]!.at - now);
      else if (ended && !to.destroyed) to.end();
    };
    flushers.add(flush);
    from.on('data', (chunk: Buffer) => {
      lastAt = Math.max(performance.now() + latencyMs, lastAt);
      queue.push({ at: lastAt, chunk });
      held += chunk.length;
      if (timer === undefined && !partitioned) timer = setTimeout(flush, Math.max(0, lastAt - performance.now()));
    });
    from.on('end', () => {
      ended = true;
      if (timer === undefined) flush();
    });
    const stop = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      flushers.delete(flush);
      for (const { chunk } of queue.splice(0)) held -= chunk.length;
    };
    from.once('close', stop);
    to.once('close', stop);
  };

  const server: Server = createServer((client) => {
    counts.accepted++;
    client.on('error', () => undefined);
    if (random() < dropRate) {
      counts.dropped++;
      // A black hole: read and forget, so the client's writes never block.
      client.on('data', () => undefined);
      const link: Link = { client, target: undefined };
      links.add(link);
      client.once('close', () => links.delete(link));
      return;
    }
    const target = connect({ host: '127.0.0.1', port: options.targetPort });
    target.on('error', () => undefined);
    const link: Link = { client, target };
    links.add(link);
    pipe(client, target, (n) => (counts.bytesToTarget += n));
    pipe(target, client, (n) => (counts.bytesToClient += n));
    // One side gone: the other goes too, abruptly if the first went abruptly.
    const closeBoth = (): void => {
      links.delete(link);
      if (!client.destroyed) client.destroy();
      if (!target.destroyed) target.destroy();
    };
    client.once('close', closeBoth);
    target.once('close', closeBoth);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;

  const resetAll = (): void => {
    for (const link of [...links]) {
      counts.reset++;
      links.delete(link);
      link.client.resetAndDestroy();
      link.target?.resetAndDestroy();
    }
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    setLatency(ms) {
      if (!(ms >= 0)) throw new RangeError(`latency must be >= 0 ms, got ${ms}`);
      latencyMs = ms;
    },
    setDropRate(p) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`drop rate must be within [0, 1], got ${p}`);
      dropRate = p;
    },
    partition() {
      partitioned = true;
    },
    heal() {
      partitioned = false;
      for (const flush of [...flushers]) flush();
    },
    resetAll,
    stats: () => ({ ...counts, open: links.size, held }),
    close() {
      resetAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
