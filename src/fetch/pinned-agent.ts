// An undici Agent that never resolves names itself: every new connection goes to the address the
// address policy vetted for that host:port (the "pin"), so a second DNS answer (rebinding) can
// never be used. A connection for which no pin exists is refused (fail closed).
import { Agent, buildConnector } from 'undici';
import { permanent } from '../errors';
import type { VettedAddress } from './address-policy';

const defaultPort = (protocol: string) => (protocol === 'https:' ? 443 : 80);
const pinKey = (hostname: string, port: number) => `${hostname.toLowerCase()}:${port}`;

export class PinnedAgent {
  private readonly pins = new Map<string, VettedAddress>();
  readonly agent: Agent;

  constructor(options: { timeoutMs: number; connections: number }) {
    const base = buildConnector({ timeout: options.timeoutMs });
    const connect: buildConnector.connector = (opts, callback) => {
      const port = opts.port ? Number(opts.port) : defaultPort(opts.protocol);
      const pin = this.pins.get(pinKey(opts.hostname, port));
      if (!pin) {
        callback(
          permanent('UrlBlocked', `no vetted address for ${opts.hostname}:${port}; refusing to resolve it again`, {
            hostname: opts.hostname,
            port,
            reason: 'unpinned',
          }),
          null,
        );
        return;
      }
      // hostname → the vetted IP (no lookup happens for an IP); `host` stays the name, so the
      // Host header, TLS SNI and certificate checks still use the real host name.
      base({ ...opts, hostname: pin.address }, callback);
    };
    this.agent = new Agent({
      connect,
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  /** Pins host:port (as in the URL, without IPv6 brackets) to a vetted address for new connections. */
  pin(hostname: string, port: number, address: VettedAddress): void {
    this.pins.set(pinKey(hostname, port), address);
  }

  /**
   * Tears the pool down. Call it once no request is in flight: undici's graceful close() can hang
   * when it races the teardown of a request whose body was just destroyed (size cap, timeout).
   */
  async close(): Promise<void> {
    this.pins.clear();
    await this.agent.destroy();
  }
}
