// Serves the sample shop until SIGINT/SIGTERM: npx tsx src/sample-shop/main.ts [--port 8099] [--host 127.0.0.1]
// Prints the base URL alone on stdout (for scripts), a short guide on stderr.
import { sampleShopCatalog, startSampleShop } from './index';

function option(args: string[], name: string): string | undefined {
  const index = args.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (index < 0) return undefined;
  const arg = args[index]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
}

async function main() {
  const args = process.argv.slice(2);
  const rawPort = option(args, 'port') ?? '8099';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    process.stderr.write(`sample shop: --port must be a port number (got "${rawPort}")\n`);
    process.exit(64);
  }
  const shop = await startSampleShop({ port, host: option(args, 'host') ?? '127.0.0.1' });
  process.stdout.write(`${shop.baseUrl}\n`);
  process.stderr.write(
    `sample shop: ${sampleShopCatalog.length} curated pages (${shop.baseUrl}/catalog.json), ` +
      `generated pages ${shop.baseUrl}/gen/0.html … /gen/99999.html, robots ${shop.baseUrl}/robots.txt. Ctrl-C stops.\n`,
  );
  const stop = (signal: string) => {
    process.stderr.write(`sample shop: ${signal}, stopping\n`);
    shop.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    setTimeout(() => process.exit(1), 5_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  process.stderr.write(`sample shop failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
