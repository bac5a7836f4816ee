import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A node:http server on a free loopback port, for the fakes that stand in for remote APIs. */
export class LocalHttpServer {
  private readonly server: Server;

  private constructor(server: Server) {
    this.server = server;
  }

  /** Starts serving; a handler that throws drops the connection, as a broken upstream would. */
  static async start(
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  ): Promise<LocalHttpServer> {
    const server = createServer((req, res) => {
      handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LocalHttpServer(server);
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
