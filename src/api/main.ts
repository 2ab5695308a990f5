// API entrypoint: serves HTTP on API_HOST:API_PORT until SIGINT/SIGTERM.
import { loadVerificationKey } from '../auth/keys';
import { loadConfigOrExit, type Config } from '../config';
import { createLogger } from '../observability/logger';
import { openInfrastructure } from '../runtime/infrastructure';
import { createApp } from './app';
import { attachLiveSocket } from './live';

/** The token key is loaded at boot: an unreadable or invalid JWT_PUBLIC_KEY stops the API (exit 78), not every request. */
async function checkTokenKey(config: Config): Promise<void> {
  try {
    await loadVerificationKey(config);
  } catch (error) {
    process.stderr.write(`Invalid configuration:\n  JWT_PUBLIC_KEY: cannot be used as a ${config.JWT_ALGORITHMS[0]} public key (${error instanceof Error ? error.message : String(error)})\n`);
    process.exit(78); // EX_CONFIG, as for every other bad variable
  }
}

async function main() {
  const config = loadConfigOrExit();
  await checkTokenKey(config);
  const logger = createLogger(config.LOG_LEVEL, 'api');
  const infra = await openInfrastructure(config, logger);
  const server = createApp(infra).listen(config.API_PORT, config.API_HOST, () => {
    logger.info({ url: `http://${config.API_HOST}:${config.API_PORT}` }, 'api listening');
  });
  attachLiveSocket(server, infra);
  const stop = (signal: string) => {
    logger.info({ signal }, 'api stopping');
    server.close(() => void infra.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  process.stderr.write(`api failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
