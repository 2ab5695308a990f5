// Mints a development token for the local API:
//   npm run token -- --sub alice --tenant acme --role editor [--role reviewer] [--ttl 8h]
// Uses the development key pair (JWT_DEV_KEY_DIR); production tokens come from your identity provider.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { loadDevSigningKey } from './keys';
import { ROLES, type Role } from './principal';
import { mintToken } from './tokens';

async function main() {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      tenant: { type: 'string', default: 'default' },
      role: { type: 'string', multiple: true },
      ttl: { type: 'string', default: '8h' },
    },
  });
  const roles = (values.role ?? ['editor']) as Role[];
  const unknown = roles.filter((role) => !ROLES.includes(role));
  if (!values.sub || unknown.length) {
    console.error(
      `usage: npm run token -- --sub <user> --tenant <tenant> --role <${ROLES.join('|')}> [--role …] [--ttl 8h]${unknown.length ? `\nunknown role: ${unknown.join(', ')}` : ''}`,
    );
    process.exit(2);
  }
  const config = loadConfig();
  if (config.JWT_PUBLIC_KEY)
    console.error('note: JWT_PUBLIC_KEY is set; this development token will only be accepted by an API using the development key pair');
  const key = await loadDevSigningKey(config.JWT_DEV_KEY_DIR);
  console.log(await mintToken(key, config, { sub: values.sub, tenant: values.tenant, roles }, values.ttl));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
