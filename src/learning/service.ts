// Learning-loop use cases for the API: the registry (versions, labels, rollback, audit),
// experiments (start, status, stop, promote) and the decisions of a run. Admin-only checks are
// the routes'; every read and write here is scoped to the caller's tenant.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { Config } from '../config';
import { llmTasks, type LlmTaskName } from '../llm/tasks';
import { SearchAttr } from '../temporal/search-attributes';
import { taskQueues } from '../temporal/task-queues';
import { concludeExperimentSignal, experimentStatusQuery, experimentWorkflow, type ExperimentView } from '../workflows/experiment';
import { decisionsOfWorkflow } from './decision-store';
import { initialAllocation, ExperimentSettings } from './experiment-rules';
import { endExperiment, getExperiment, insertExperiment, listExperiments, type ExperimentRecord } from './experiment-store';
import { redrivesOf } from './redrive-store';
import {
  RegistryRefused,
  audit,
  auditTrail,
  createVersion,
  getVersion,
  isTask,
  labelsOf,
  listVersions,
  moveLabel,
  resolveLabel,
  rollbackProduction,
} from './registry-store';

export { RegistryRefused } from './registry-store';

interface Deps {
  pg: Pool;
  temporal: Client;
  config: Config;
}

export const taskName = z.enum(Object.keys(llmTasks) as [LlmTaskName, ...LlmTaskName[]], {
  message: `not a task (${Object.keys(llmTasks).join(', ')})`,
});
const versionId = z.string().min(3).max(200);
const reason = z.string().trim().min(3).max(1_000);

export const CreateVersionInput = z
  .object({
    instructions: z.string().trim().min(10).max(8_000),
    model: z.string().trim().min(1).max(200).optional(),
    // Stored as a PostgreSQL real: rounded to 3 decimals, so 1e-300 is 0, not an out-of-range error.
    temperature: z
      .number()
      .min(0)
      .max(2)
      .transform((t) => Math.round(t * 1000) / 1000),
    maxTokens: z.number().int().min(1).max(32_000),
    schemaVersion: z.number().int().min(1).max(2_147_483_647).default(1), // a PostgreSQL integer
    note: z.string().max(1_000).optional(),
    reason,
  })
  .strict();
export const MoveLabelInput = z.object({ version: versionId, reason }).strict();
export const ReasonInput = z.object({ reason }).strict();
export const PromoteInput = z.object({ version: versionId.optional(), reason }).strict();
export const AuditQuery = z
  .object({
    task: taskName.optional(),
    experimentId: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export const StartExperimentInput = z
  .object({
    task: taskName,
    candidates: z.array(versionId).min(1).max(5),
    settings: ExperimentSettings.optional(),
    reason,
  })
  .strict();
export const labelName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a label is lower-case letters, digits and dashes');

export const experimentWorkflowId = (experimentId: string) => `experiment/${experimentId}`;

export async function listPrompts(deps: Deps, principal: Principal) {
  return Promise.all(
    Object.keys(llmTasks).map(async (task) => ({
      task,
      labels: await labelsOf(deps.pg, principal.tenantId, task),
      versions: (await listVersions(deps.pg, principal.tenantId, task)).map((version) => version.version),
    })),
  );
}

export async function versionsOf(deps: Deps, principal: Principal, task: string) {
  if (!isTask(task)) throw new RegistryRefused(404, `unknown task ${task}`);
  return {
    task,
    labels: await labelsOf(deps.pg, principal.tenantId, task),
    versions: await listVersions(deps.pg, principal.tenantId, task),
  };
}

export async function addVersion(deps: Deps, principal: Principal, task: string, body: unknown) {
  if (!isTask(task)) throw new RegistryRefused(404, `unknown task ${task}`);
  const { reason: why, ...input } = CreateVersionInput.parse(body);
  return createVersion(deps.pg, principal.userId, principal.tenantId, task, input, why);
}

export async function setLabel(deps: Deps, principal: Principal, task: string, label: string, body: unknown) {
  if (!isTask(task)) throw new RegistryRefused(404, `unknown task ${task}`);
  const name = labelName.parse(label);
  const { version, reason: why } = MoveLabelInput.parse(body);
  const moved = await moveLabel(deps.pg, { actor: principal.userId, scope: principal.tenantId, task, label: name, version, reason: why });
  return { task, label: name, from: moved.from ?? null, to: version };
}

export async function rollback(deps: Deps, principal: Principal, task: string, body: unknown) {
  if (!isTask(task)) throw new RegistryRefused(404, `unknown task ${task}`);
  const { reason: why } = ReasonInput.parse(body);
  const moved = await rollbackProduction(deps.pg, principal.userId, principal.tenantId, task, why);
  return { task, label: 'production', from: moved.from ?? null, to: moved.to ?? null };
}

export async function auditOf(deps: Deps, principal: Principal, query: unknown) {
  return auditTrail(deps.pg, principal.tenantId, AuditQuery.parse(query));
}

export async function startExperiment(deps: Deps, principal: Principal, body: unknown) {
  const input = StartExperimentInput.parse(body);
  // Outcome weights: the experiment's own, over the deployment's (LEARNING_OUTCOME_WEIGHTS), over the defaults.
  const settings = ExperimentSettings.parse({
    ...input.settings,
    weights: { ...deps.config.LEARNING_OUTCOME_WEIGHTS, ...input.settings?.weights },
  });
  const production = (await resolveLabel(deps.pg, principal.tenantId, input.task, 'production')) ?? llmTasks[input.task].promptVersion;
  for (const candidate of input.candidates) {
    const version = await getVersion(deps.pg, candidate);
    if (!version || version.task !== input.task || (version.scope !== '' && version.scope !== principal.tenantId)) {
      throw new RegistryRefused(404, `no version ${candidate} of task ${input.task}`);
    }
    if (candidate === production) throw new RegistryRefused(400, `${candidate} is the production version already`);
  }
  const arms = [
    { version: production, production: true },
    ...[...new Set(input.candidates)].map((version) => ({ version, production: false })),
  ];
  const experimentId = `${input.task}-${randomUUID().slice(0, 8)}`;
  const workflowId = experimentWorkflowId(experimentId);
  const inserted = await insertExperiment(deps.pg, {
    experimentId,
    tenantId: principal.tenantId,
    task: input.task,
    arms,
    allocation: initialAllocation(arms, settings),
    config: settings,
    workflowId,
    createdBy: principal.userId,
  });
  if (!inserted) throw new RegistryRefused(409, `an experiment on ${input.task} is already running for this tenant`);
  try {
    const handle = await deps.temporal.workflow.start(experimentWorkflow, {
      workflowId,
      taskQueue: taskQueues(deps.config).default,
      args: [{ experimentId, tenantId: principal.tenantId, task: input.task, arms, settings }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      typedSearchAttributes: [
        { key: SearchAttr.WorkflowKind, value: 'experiment' },
        { key: SearchAttr.BusinessId, value: experimentId },
        { key: SearchAttr.TenantId, value: principal.tenantId },
        { key: SearchAttr.PromptTask, value: input.task },
        { key: SearchAttr.ExperimentStatus, value: 'running' },
      ],
    });
    await moveLabel(deps.pg, {
      actor: principal.userId,
      scope: principal.tenantId,
      task: input.task,
      label: 'candidate',
      version: input.candidates[0],
      reason: input.reason,
      experimentId,
      action: 'experiment.started',
    });
    return { experimentId, workflowId, runId: handle.firstExecutionRunId, arms };
  } catch (error) {
    await endExperiment(deps.pg, experimentId, 'stopped', { error: (error as Error).message });
    await audit(deps.pg, {
      actor: principal.userId,
      scope: principal.tenantId,
      task: input.task,
      action: 'experiment.failed-to-start',
      experimentId,
      reason: (error as Error).message,
    });
    throw error;
  }
}

async function ownExperiment(deps: Deps, principal: Principal, experimentId: string): Promise<ExperimentRecord> {
  const record = await getExperiment(deps.pg, experimentId);
  if (!record || record.tenantId !== principal.tenantId) throw new RegistryRefused(404, `no experiment ${experimentId}`);
  return record;
}

export async function experiments(deps: Deps, principal: Principal) {
  return listExperiments(deps.pg, principal.tenantId);
}

/** The record, the live state from the workflow's status query, and what was redriven. */
export async function experimentStatus(deps: Deps, principal: Principal, experimentId: string) {
  const record = await ownExperiment(deps, principal, experimentId);
  let live: ExperimentView | undefined;
  try {
    live = await deps.temporal.workflow.getHandle(record.workflowId).query(experimentStatusQuery);
  } catch {
    live = undefined; // the workflow may be gone (retention); the record stays
  }
  return { ...record, live, redrives: await redrivesOf(deps.pg, experimentId) };
}

export async function concludeExperiment(
  deps: Deps,
  principal: Principal,
  experimentId: string,
  action: 'promote' | 'stop',
  body: unknown,
) {
  const record = await ownExperiment(deps, principal, experimentId);
  if (record.status !== 'running') throw new RegistryRefused(409, `experiment ${experimentId} has ended (${record.status})`);
  const input = action === 'promote' ? PromoteInput.parse(body) : { ...ReasonInput.parse(body), version: undefined };
  if (input.version && !record.arms.some((arm) => arm.version === input.version && !arm.production)) {
    throw new RegistryRefused(400, `${input.version} is not a candidate of experiment ${experimentId}`);
  }
  await deps.temporal.workflow
    .getHandle(record.workflowId)
    .signal(concludeExperimentSignal, { action, actor: principal.userId, reason: input.reason, version: input.version });
  return { experimentId, action, accepted: true };
}

export async function decisionsOfRun(deps: Deps, principal: Principal, workflowId: string) {
  return decisionsOfWorkflow(deps.pg, principal.tenantId, workflowId);
}
