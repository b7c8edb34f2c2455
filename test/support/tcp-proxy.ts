import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server, whose connections a test can cut at once, as a
 * network failure or a load balancer restart would, or freeze, as a network that silently
 * drops every packet would.
 */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  readonly #pairs = new Set<[Socket, Socket]>();
  #server: Server | undefined;
  port = 0;
  readonly #target: { host: string; port: number };

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(): Promise<string> {
    this.#server = createServer((client) => {
      const upstream = connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      client.on('close', () => this.#pairs.delete(pair));
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return `127.0.0.1:${this.port}`;
  }

  /** Cuts every open connection; new ones are still accepted. */
  cut(): void {
    for (const s of this.#sockets) s.destroy();
  }

  /**
   * Stops forwarding on every open connection without closing it: neither end hears of it
   * (no FIN, no RST), bytes just stop arriving, as when a host vanishes or a NAT entry is
   * dropped. Only keepalive or a timeout can tell. Connections opened later work normally.
   */
  freeze(): void {
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      // Paused sockets leave what arrives in the kernel buffers: nothing is read or answered.
      client.pause();
      upstream.pause();
    }
    this.#pairs.clear();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
