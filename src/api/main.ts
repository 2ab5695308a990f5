// API entrypoint: serves HTTP on API_HOST:API_PORT until SIGINT/SIGTERM.
import { loadConfigOrExit } from '../config';
import { createLogger } from '../observability/logger';
import { openInfrastructure } from '../runtime/infrastructure';
import { createApp } from './app';
import { attachLiveSocket } from './live';

async function main() {
  const config = loadConfigOrExit();
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
