// Where the operations tools are: the paths `deploy/local/stack.sh env` names (the stack
// provisions them: `stack.sh up`, or `stack.sh ops-tools` for these alone), overridable
// through the same environment variables. Locally a missing tool skips with the reason;
// under CI (which provisions them) the test fails instead.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.join(__dirname, '..', '..');

let stackEnv: Record<string, string> | undefined;
function fromStack(variable: string): string | undefined {
  stackEnv ??= Object.fromEntries(
    execFileSync('bash', [path.join(repoRoot, 'deploy/local/stack.sh'), 'env'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return stackEnv[variable];
}

/** The path of a tool (from VARIABLE, else the stack's value), or undefined if absent. */
export function opsTool(variable: string): string | undefined {
  const value = process.env[variable] || fromStack(variable);
  return value && existsSync(value) ? value : undefined;
}

/** A binary on PATH (Debian's prometheus and promtool), or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** `skip` option for describe(): the reason when a tool is missing, unless under CI. */
export function skipUnless(tools: Record<string, string | undefined>): string | false {
  const missing = Object.entries(tools)
    .filter(([, where]) => !where)
    .map(([name]) => name);
  if (missing.length === 0) return false;
  if (process.env.CI) return false; // run, and fail on the missing tool
  return `missing ${missing.join(', ')} (bash deploy/local/stack.sh ops-tools)`;
}
