// `npm run schema`: applies the schema of every store once and exits.
import { loadConfigOrExit } from '../config';
import { createLogger } from '../observability/logger';
import { openInfrastructure } from '../runtime/infrastructure';
import { applySchema } from './apply';

async function main() {
  const config = loadConfigOrExit();
  const infra = await openInfrastructure(config, createLogger(config.LOG_LEVEL, 'schema'));
  try {
    await applySchema(infra);
  } finally {
    await infra.close();
  }
}

main().catch((error) => {
  process.stderr.write(`schema failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
