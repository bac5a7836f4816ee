import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a real service (Redis) that a test can break in two ways: cut() as if the service had
 * stopped (open connections reset, new ones dropped) and hang() as if it froze (nothing answers, nothing closes).
 */
export class TcpRelay {
  private readonly server: Server;
  private readonly target: { host: string; port: number };
  private readonly sockets = new Set<Socket>();
  /** Clients that connected while the relay hung, joined to the service on restore(). */
  private readonly waiting = new Set<Socket>();
  private state: 'up' | 'cut' | 'hung' = 'up';

  private constructor(target: { host: string; port: number }) {
    this.target = target;
    this.server = createServer((client) => this.accept(client));
  }

  /** Listens on a free local port and forwards to the host and port of `url`. */
  static async start(url: string): Promise<TcpRelay> {
    const { hostname, port } = new URL(url);
    const relay = new TcpRelay({ host: hostname, port: Number(port || 6379) });
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  /** `url` with its host and port swapped for the relay's. */
  urlFor(url: string): string {
    const relayed = new URL(url);
    relayed.hostname = '127.0.0.1';
    relayed.port = String((this.server.address() as { port: number }).port);
    return relayed.toString();
  }

  cut(): void {
    this.state = 'cut';
    for (const socket of [...this.sockets, ...this.waiting]) socket.destroy();
    this.sockets.clear();
    this.waiting.clear();
  }

  /** Stops carrying bytes either way; what was sent meanwhile arrives after restore(). */
  hang(): void {
    this.state = 'hung';
    for (const socket of this.sockets) socket.pause();
  }

  restore(): void {
    this.state = 'up';
    for (const socket of this.sockets) socket.resume();
    for (const client of this.waiting) this.join(client);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.state === 'cut') {
      client.destroy();
      return;
    }
    if (this.state === 'hung') {
      client.pause();
      client.on('error', () => client.destroy());
      client.once('close', () => this.waiting.delete(client));
      this.waiting.add(client);
      return;
    }
    this.join(client);
  }

  private join(client: Socket): void {
    const upstream = connect(this.target);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      // Forwarded by hand, not piped: pipe() could resume a socket that hang() paused.
      from.on('data', (chunk) => to.write(chunk));
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
    client.resume();
  }
}
