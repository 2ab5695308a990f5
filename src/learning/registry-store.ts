// The prompt/model registry in PostgreSQL: immutable versions per task, movable labels, and
// the audit trail of every change. Scope '' holds the global versions seeded from code; a
// tenant's versions and labels live in its own scope, and its labels override the global ones.
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../stores/postgres';
import { llmTasks, type LlmTaskName } from '../llm/tasks';
import type { VersionConfig } from './decision';

export const GLOBAL_SCOPE = '';
export const SEED_ACTOR = 'system:seed';

export interface PromptVersion extends VersionConfig {
  scope: string;
  task: string;
  instructions: string;
  schemaVersion: number;
  note?: string;
  createdBy: string;
  createdAt: string;
}

export interface LabelMove {
  actor: string;
  scope: string;
  task: string;
  label: string;
  /** undefined removes the label. */
  version?: string;
  reason: string;
  experimentId?: string;
  action?: string;
  /** Makes a retried activity write the move once. */
  eventKey?: string;
}

export class RegistryRefused extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryRefused';
  }
}

type Queryable = Pool | PoolClient;

export function isTask(name: string): name is LlmTaskName {
  return Object.hasOwn(llmTasks, name);
}

/** Seeds the versions in code as global `production` (idempotent; labels already set are kept). */
export async function seedRegistry(pg: Pool): Promise<void> {
  for (const task of Object.values(llmTasks)) {
    const inserted = await pg.query(
      `INSERT INTO prompt_versions (version, scope, task, instructions, model, temperature, max_tokens, schema_version, note, created_by)
       VALUES ($1, '', $2, $3, NULL, $4, $5, $6, 'seeded from src/llm/tasks.ts', $7) ON CONFLICT (version) DO NOTHING`,
      [task.promptVersion, task.name, task.instructions, task.temperature, task.maxTokens, task.schemaVersion, SEED_ACTOR],
    );
    if (inserted.rowCount) {
      await audit(pg, {
        actor: SEED_ACTOR,
        scope: GLOBAL_SCOPE,
        task: task.name,
        action: 'version.created',
        toVersion: task.promptVersion,
        reason: 'seeded from code',
      });
    }
    const labelled = await pg.query(
      `INSERT INTO prompt_labels (scope, task, label, version, moved_by) VALUES ('', $1, 'production', $2, $3) ON CONFLICT DO NOTHING`,
      [task.name, task.promptVersion, SEED_ACTOR],
    );
    if (labelled.rowCount) {
      await audit(pg, {
        actor: SEED_ACTOR,
        scope: GLOBAL_SCOPE,
        task: task.name,
        action: 'label.moved',
        label: 'production',
        toVersion: task.promptVersion,
        reason: 'seeded from code',
      });
    }
  }
}

interface VersionRow {
  version: string;
  scope: string;
  task: string;
  instructions: string;
  model: string | null;
  temperature: number;
  max_tokens: number;
  schema_version: number;
  note: string | null;
  created_by: string;
  created_at: Date;
}

const toVersion = (row: VersionRow): PromptVersion => ({
  version: row.version,
  scope: row.scope,
  task: row.task,
  instructions: row.instructions,
  model: row.model ?? undefined,
  temperature: Number(row.temperature),
  maxTokens: row.max_tokens,
  schemaVersion: row.schema_version,
  note: row.note ?? undefined,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
});

// Versions never change, so a process may keep what it has read.
const versionCache = new Map<string, PromptVersion>();

export async function getVersion(pg: Queryable, version: string): Promise<PromptVersion | undefined> {
  const cached = versionCache.get(version);
  if (cached) return cached;
  const { rows } = await pg.query<VersionRow>('SELECT * FROM prompt_versions WHERE version = $1', [version]);
  if (!rows[0]) return undefined;
  const found = toVersion(rows[0]);
  versionCache.set(version, found);
  return found;
}

/** The versions a tenant can use for a task: the global ones and its own. */
export async function listVersions(pg: Pool, tenantId: string, task: string): Promise<PromptVersion[]> {
  const { rows } = await pg.query<VersionRow>(
    `SELECT * FROM prompt_versions WHERE task = $1 AND scope IN ('', $2) ORDER BY created_at, version`,
    [task, tenantId],
  );
  return rows.map(toVersion);
}

export async function createVersion(
  pg: Pool,
  actor: string,
  tenantId: string,
  task: string,
  input: { instructions: string; model?: string; temperature: number; maxTokens: number; schemaVersion: number; note?: string },
  reason: string,
): Promise<PromptVersion> {
  if (!isTask(task)) throw new RegistryRefused(404, `unknown task ${task}`);
  return withTransaction(pg, async (client) => {
    // One writer per (tenant, task) at a time, so version numbers do not race.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`prompt-versions:${tenantId}:${task}`]);
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM prompt_versions WHERE scope = $1 AND task = $2', [
      tenantId,
      task,
    ]);
    const version = `${task}@${tenantId}.${Number(rows[0]!.n) + 1}`;
    const inserted = await client.query<VersionRow>(
      `INSERT INTO prompt_versions (version, scope, task, instructions, model, temperature, max_tokens, schema_version, note, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING *`,
      [
        version,
        tenantId,
        task,
        input.instructions,
        input.model ?? null,
        input.temperature,
        input.maxTokens,
        input.schemaVersion,
        input.note ?? null,
        actor,
      ],
    );
    await audit(client, {
      actor,
      scope: tenantId,
      task,
      action: 'version.created',
      toVersion: version,
      reason,
      detail: {
        model: input.model ?? null,
        temperature: input.temperature,
        maxTokens: input.maxTokens,
        schemaVersion: input.schemaVersion,
      },
    });
    return toVersion(inserted.rows[0]!);
  });
}

/** The version a label points at for a tenant: its own label, else the global one. */
export async function resolveLabel(pg: Queryable, tenantId: string, task: string, label: string): Promise<string | undefined> {
  const { rows } = await pg.query<{ version: string }>(
    `SELECT version FROM prompt_labels WHERE task = $1 AND label = $2 AND scope IN ('', $3) ORDER BY scope DESC LIMIT 1`,
    [task, label, tenantId],
  );
  return rows[0]?.version;
}

export async function labelsOf(
  pg: Pool,
  tenantId: string,
  task: string,
): Promise<{ label: string; version: string; scope: string; movedBy: string; movedAt: string }[]> {
  const { rows } = await pg.query<{ label: string; version: string; scope: string; moved_by: string; moved_at: Date }>(
    `SELECT DISTINCT ON (label) label, version, scope, moved_by, moved_at FROM prompt_labels
     WHERE task = $1 AND scope IN ('', $2) ORDER BY label, scope DESC`,
    [task, tenantId],
  );
  return rows.map((row) => ({
    label: row.label,
    version: row.version,
    scope: row.scope,
    movedBy: row.moved_by,
    movedAt: row.moved_at.toISOString(),
  }));
}

/** Moves (or removes) a tenant's label, audited. Returns the version it pointed at before. */
export async function moveLabel(pg: Pool, move: LabelMove): Promise<{ from?: string; to?: string; moved: boolean }> {
  return withTransaction(pg, async (client) => {
    if (move.eventKey) {
      const seen = await client.query('SELECT 1 FROM learning_audit WHERE event_key = $1', [move.eventKey]);
      if (seen.rowCount) return { moved: false };
    }
    if (move.version) {
      const version = await getVersion(client, move.version);
      if (!version || version.task !== move.task) throw new RegistryRefused(404, `no version ${move.version} of task ${move.task}`);
      if (version.scope !== GLOBAL_SCOPE && version.scope !== move.scope)
        throw new RegistryRefused(404, `no version ${move.version} of task ${move.task}`);
    }
    const before = await resolveLabel(client, move.scope, move.task, move.label);
    if (move.version) {
      await client.query(
        `INSERT INTO prompt_labels (scope, task, label, version, moved_by) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (scope, task, label) DO UPDATE SET version = EXCLUDED.version, moved_by = EXCLUDED.moved_by, moved_at = now()`,
        [move.scope, move.task, move.label, move.version, move.actor],
      );
    } else {
      await client.query('DELETE FROM prompt_labels WHERE scope = $1 AND task = $2 AND label = $3', [move.scope, move.task, move.label]);
    }
    await audit(client, {
      actor: move.actor,
      scope: move.scope,
      task: move.task,
      action: move.action ?? (move.version ? 'label.moved' : 'label.removed'),
      label: move.label,
      fromVersion: before,
      toVersion: move.version,
      experimentId: move.experimentId,
      reason: move.reason,
      eventKey: move.eventKey,
    });
    return { from: before, to: move.version, moved: true };
  });
}

/** Moves the tenant's production label back to where it pointed before its last move. */
export async function rollbackProduction(pg: Pool, actor: string, tenantId: string, task: string, reason: string) {
  const { rows } = await pg.query<{ from_version: string | null }>(
    `SELECT from_version FROM learning_audit WHERE scope IN ('', $1) AND task = $2 AND label = 'production'
       AND action IN ('label.moved', 'promote', 'rollback') AND from_version IS NOT NULL ORDER BY id DESC LIMIT 1`,
    [tenantId, task],
  );
  const previous = rows[0]?.from_version;
  if (!previous) throw new RegistryRefused(409, `the production label of ${task} has no earlier version to roll back to`);
  return moveLabel(pg, { actor, scope: tenantId, task, label: 'production', version: previous, reason, action: 'rollback' });
}

export interface AuditEntry {
  actor: string;
  scope: string;
  task: string;
  action: string;
  label?: string;
  fromVersion?: string;
  toVersion?: string;
  experimentId?: string;
  reason?: string;
  detail?: Record<string, unknown>;
  eventKey?: string;
}

export async function audit(pg: Queryable, entry: AuditEntry): Promise<void> {
  await pg.query(
    `INSERT INTO learning_audit (event_key, actor, scope, task, action, label, from_version, to_version, experiment_id, reason, detail)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (event_key) DO NOTHING`,
    [
      entry.eventKey ?? null,
      entry.actor,
      entry.scope,
      entry.task,
      entry.action,
      entry.label ?? null,
      entry.fromVersion ?? null,
      entry.toVersion ?? null,
      entry.experimentId ?? null,
      entry.reason ?? null,
      entry.detail ?? {},
    ],
  );
}

export async function auditTrail(pg: Pool, tenantId: string, filter: { task?: string; experimentId?: string; limit: number }) {
  const { rows } = await pg.query<{ id: string; at: Date } & Record<string, unknown>>(
    `SELECT id, at, actor, scope, task, action, label, from_version AS "fromVersion", to_version AS "toVersion",
            experiment_id AS "experimentId", reason, detail
       FROM learning_audit WHERE scope IN ('', $1) AND ($2::text IS NULL OR task = $2) AND ($3::text IS NULL OR experiment_id = $3)
       ORDER BY id DESC LIMIT $4`,
    [tenantId, filter.task ?? null, filter.experimentId ?? null, filter.limit],
  );
  return rows.map((row) => ({ ...row, id: Number(row.id), at: row.at.toISOString() }));
}
