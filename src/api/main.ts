// API entrypoint: serves HTTP on API_HOST:API_PORT until SIGINT/SIGTERM. On SIGTERM it stops
// accepting connections, lets open requests finish for up to API_SHUTDOWN_GRACE_MS (then closes
// what is left: event streams, sockets), closes the stores and exits 0.
import { loadVerificationKey } from '../auth/keys';
import { loadConfigOrExit, type Config } from '../config';
import { createLogger } from '../observability/logger';
import { startTracing } from '../observability/tracing';
import { openInfrastructure } from '../runtime/infrastructure';
import { createApp } from './app';
import { attachLiveSocket } from './live';

/** The token key is loaded at boot: an unreadable or invalid JWT_PUBLIC_KEY stops the API (exit 78), not every request. */
async function checkTokenKey(config: Config): Promise<void> {
  try {
    await loadVerificationKey(config);
  } catch (error) {
    process.stderr.write(
      `Invalid configuration:\n  JWT_PUBLIC_KEY: cannot be used as a ${config.JWT_ALGORITHMS[0]} public key (${error instanceof Error ? error.message : String(error)})\n`,
    );
    process.exit(78); // EX_CONFIG, as for every other bad variable
  }
}

async function main() {
  const config = loadConfigOrExit();
  await checkTokenKey(config);
  const logger = createLogger(config.LOG_LEVEL, 'api');
  const tracing = startTracing(config, 'magicai-api'); // before the Temporal client is made
  const infra = await openInfrastructure(config, logger);
  const server = createApp(infra).listen(config.API_PORT, config.API_HOST, () => {
    logger.info({ url: `http://${config.API_HOST}:${config.API_PORT}` }, 'api listening');
  });
  attachLiveSocket(server, infra);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.API_SHUTDOWN_GRACE_MS }, 'api draining');
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cutoff = setTimeout(() => server.closeAllConnections(), config.API_SHUTDOWN_GRACE_MS);
    void drained.then(async () => {
      clearTimeout(cutoff);
      await tracing.shutdown();
      await infra.close();
      logger.info('api stopped');
      process.exit(0);
    });
    setTimeout(() => process.exit(1), config.API_SHUTDOWN_GRACE_MS + 10_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  process.stderr.write(`api failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
