// A REAL WordPress for tests, from Debian's packages (`wordpress`, `php-cli`, `php-mysql`,
// `mariadb-server`; scripts/provision.sh installs them): a private MariaDB on a Unix socket (no TCP port),
// a copy of /usr/share/wordpress with its own wp-config.php, PHP's built-in web server on a
// loopback port, an installed site with pretty permalinks (so /wp-json/… works) and an
// Application Password. Everything lives in one temporary directory removed by close().
// Start-up takes a couple of seconds.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

const WORDPRESS_DIR = '/usr/share/wordpress';
const TOOLS = ['php', 'mariadbd', 'mariadb-install-db', 'mariadb'];

/** Why a real WordPress cannot start here, or undefined when it can. */
export function realWordPressMissing(): string | undefined {
  const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (!existsSync(path.join(WORDPRESS_DIR, 'wp-settings.php'))) missing.push(WORDPRESS_DIR);
  if (spawnSync('php', ['-r', 'exit(extension_loaded("mysqli") ? 0 : 1);']).status !== 0) missing.push('php mysqli extension');
  return missing.length
    ? `real WordPress unavailable, missing: ${missing.join(', ')} (apt-get install wordpress php-cli php-mysql mariadb-server)`
    : undefined;
}

export interface RealWordPress {
  url: string;
  user: string;
  appPassword: string;
  close(): Promise<void>;
}

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`real WordPress: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`real WordPress: ${command} failed (${result.status}): ${result.stderr || result.stdout}`);
  return result.stdout;
}

// Each server runs in its own process group (PHP's server forks workers): stopping signals the group.
const stop = (child: ChildProcess | undefined) =>
  new Promise<void>((resolve) => {
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(-child.pid, 'SIGTERM');
  });

const wpConfig = (socket: string, siteUrl: string) => `<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:${socket}');
define('DB_CHARSET', 'utf8mb4');
define('WP_HOME', '${siteUrl}');
define('WP_SITEURL', '${siteUrl}');
// Application Passwords need HTTPS or a "local" environment.
define('WP_ENVIRONMENT_TYPE', 'local');
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
$table_prefix = 'wp_';
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
`;

// Installs the site and prints the user and a new Application Password as JSON.
const INSTALL_PHP = `<?php
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = '127.0.0.1';
require $argv[1] . '/wp-load.php';
function wp_new_blog_notification() {} // no mail server here
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$result = wp_install('MagicAI test site', 'editor', 'editor@example.test', false, '', wp_generate_password(24));
update_option('permalink_structure', '/%postname%/');
[$password] = WP_Application_Passwords::create_new_application_password($result['user_id'], ['name' => 'magicai-tests']);
echo json_encode(['user' => 'editor', 'appPassword' => $password]);
`;

// PHP's built-in server has no mod_rewrite: real files are served, the rest goes to index.php.
const ROUTER_PHP = `<?php
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path !== '/' && is_file($_SERVER['DOCUMENT_ROOT'] . $path)) return false;
$_SERVER['SCRIPT_NAME'] = '/index.php';
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
`;

export async function startRealWordPress(): Promise<RealWordPress> {
  const missing = realWordPressMissing();
  if (missing) throw new Error(missing);
  const dir = await mkdtemp(path.join(tmpdir(), 'magicai-wp-'));
  const socket = path.join(dir, 'mysql.sock');
  let db: ChildProcess | undefined;
  let web: ChildProcess | undefined;
  // Detached servers would outlive a test process that dies without close().
  const killOnExit = () => {
    for (const child of [web, db])
      if (child?.pid && child.exitCode === null)
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
  };
  process.once('exit', killOnExit);
  const close = async () => {
    process.off('exit', killOnExit);
    await stop(web);
    await stop(db);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${dir}/db`,
      `--user=${userInfo().username}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
    db = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${dir}/db`,
        `--user=${userInfo().username}`,
        '--skip-networking',
        `--socket=${socket}`,
        `--pid-file=${dir}/mysql.pid`,
        `--log-error=${dir}/mysql.err`,
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
      ],
      { stdio: 'ignore', detached: true },
    );
    await until(
      'MariaDB',
      () => existsSync(socket) && spawnSync('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-e', 'SELECT 1']).status === 0,
    );
    run('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-e', 'CREATE DATABASE wordpress CHARACTER SET utf8mb4']);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    await cp(WORDPRESS_DIR, `${dir}/wp`, { recursive: true, verbatimSymlinks: true });
    await unlink(`${dir}/wp/wp-config.php`).catch(() => undefined); // Debian's looks up /etc/wordpress
    await writeFile(`${dir}/wp/wp-config.php`, wpConfig(socket, url));
    await writeFile(`${dir}/install.php`, INSTALL_PHP);
    await writeFile(`${dir}/router.php`, ROUTER_PHP);
    const credentials = JSON.parse(run('php', [`${dir}/install.php`, `${dir}/wp`])) as { user: string; appPassword: string };

    web = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', `${dir}/wp`, `${dir}/router.php`], {
      stdio: 'ignore',
      detached: true,
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '2' },
    });
    await until('the PHP web server', async () => {
      try {
        return (await fetch(`${url}/wp-json/`, { signal: AbortSignal.timeout(2_000) })).ok;
      } catch {
        return false;
      }
    });
    return { url, ...credentials, close };
  } catch (error) {
    await close();
    throw error;
  }
}
