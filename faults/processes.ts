// The moving parts of a fault run: the private stack's services (stopped and started through
// deploy/local/stack.sh), the API and the worker processes (compiled, spawned as children, so
// that a SIGKILL is real), and a chat stand-in that can go away with the model server.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type StackService = 'temporal' | 'postgres' | 'elasticsearch' | 'neo4j' | 'llm';

/** Stops or starts one service of the private stack (faults.sh exports its ports and data dir). */
export async function stackService(action: 'stop' | 'start', service: StackService): Promise<void> {
  const script = process.env.FAULTS_STACK_SCRIPT;
  if (!script || !process.env.MAGICAI_STACK_DATA)
    throw new Error('FAULTS_STACK_SCRIPT / MAGICAI_STACK_DATA not set: run through scripts/faults.sh');
  await run('bash', [script, action, service], { env: process.env, timeout: 300_000 });
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  startedAt: number;
}

/** A set of child processes of one kind, respawned whenever one exits (killed or crashed). */
export class ProcessPool {
  readonly live = new Map<string, ManagedProcess>();
  kills = 0;
  /** Exits that were not our SIGKILL (e.g. a worker that could not start while a store was down). */
  unexpectedExits = 0;
  /** Why each of those exited: when (ms), exit code and its last stderr line. */
  readonly exitReasons: { at: number; name: string; code: number | null; lastLine: string }[] = [];
  spawned = 0;
  private stopping = false;
  private readonly killed = new Set<ChildProcess>();

  constructor(
    private readonly kind: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logTail: string[] = [],
  ) {}

  start(count: number): void {
    for (let i = 0; i < count; i++) this.spawn(`${this.kind}-${i}`);
  }

  private spawn(name: string): void {
    if (this.stopping) return;
    const child = spawn(process.execPath, ['--enable-source-maps', this.entry], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.spawned++;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.logTail.push(`[${name}] ${String(chunk).trimEnd()}`);
      if (this.logTail.length > 200) this.logTail.splice(0, this.logTail.length - 200);
    });
    let lastLine = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = String(chunk)
        .split('\n')
        .filter((l) => l.trim());
      lastLine = lines.find((l) => /failed|Error/.test(l)) ?? lines.at(-1) ?? lastLine;
    });
    this.live.set(name, { name, child, startedAt: Date.now() });
    child.once('exit', (code) => {
      if (!this.killed.delete(child)) {
        this.unexpectedExits++;
        this.exitReasons.push({ at: Date.now(), name, code, lastLine: lastLine.slice(0, 200) });
      }
      if (this.live.get(name)?.child === child) this.live.delete(name);
      // A replacement, as an orchestrator would start one; a little later if it died on its own.
      setTimeout(() => this.spawn(name), 1_000).unref();
    });
  }

  /** SIGKILLs one live process (picked by `pick` among those up for at least `minUpMs`). */
  killOne(pick: (n: number) => number, minUpMs: number): string | undefined {
    const candidates = [...this.live.values()].filter((p) => Date.now() - p.startedAt >= minUpMs && p.child.exitCode === null);
    if (candidates.length === 0) return undefined;
    const victim = candidates[pick(candidates.length)]!;
    this.killed.add(victim.child);
    victim.child.kill('SIGKILL');
    this.kills++;
    return victim.name;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.live.values()].map(
      (p) => new Promise((resolve) => (p.child.exitCode !== null ? resolve(undefined) : p.child.once('exit', resolve))),
    );
    for (const p of this.live.values()) {
      this.killed.add(p.child);
      p.child.kill('SIGTERM');
    }
    await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, 20_000))]);
    for (const p of this.live.values()) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
}

export const compiled = (relative: string) => path.join(process.env.FAULTS_BUILD_DIR ?? 'dist', relative);

/** A loopback STAND-IN for the paid chat model (OpenAI wire format): valid answers per task
 *  after a fixed delay. `down()` closes its port (as the model server being stopped); `up()`
 *  opens it again on the same port. */
export interface ChatStandIn {
  baseUrl: string;
  calls: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const ANSWERS: Record<string, unknown> = {
  sentiment: { label: 'positive', score: 0.6, aspects: ['quality'] },
  enhance: {
    seoTitle: 'A sturdy everyday product',
    metaDescription: 'A sturdy product for everyday use.',
    bullets: ['Durable', 'Light'],
    tags: ['faults'],
  },
  styleCheck: { score: 0.95, issues: [] },
};

export async function startChatStandIn(delayMs: number): Promise<ChatStandIn> {
  let calls = 0;
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += String(chunk)));
    req.on('end', () => {
      calls++;
      const body = JSON.parse(raw || '{}') as { response_format?: { json_schema?: { name?: string } }; model?: string };
      const task = body.response_format?.json_schema?.name ?? 'sentiment';
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: `chatcmpl-faults-${calls}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: body.model ?? 'standin',
            choices: [
              {
                index: 0,
                finish_reason: 'stop',
                message: { role: 'assistant', content: JSON.stringify(ANSWERS[task] ?? {}), refusal: null },
              },
            ],
            usage: { prompt_tokens: 100, completion_tokens: 40, total_tokens: 140 },
          }),
        );
      }, delayMs);
    });
  };
  let server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get calls() {
      return calls;
    },
    down: closeServer,
    async up() {
      server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close: () => (server.listening ? closeServer() : Promise.resolve()),
  };
}
