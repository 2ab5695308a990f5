// POST /v1/stack-checks starts the wiring slice; GET /v1/stack-checks/:checkId reads it back.
import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Infrastructure } from '../../runtime/infrastructure';
import { SearchAttr } from '../../temporal/search-attributes';
import { taskQueues } from '../../temporal/task-queues';
import { stackCheckWorkflow, stackCheckWorkflowId, type StackCheckResult } from '../../workflows/stack-check';
import { principalOf, requireRole } from '../auth';
import { HttpError } from '../problem';
import { readOrNotFound, startOrConflict, temporalUiLink } from '../temporal-http';
import { idSchema } from '../../ids';
import { pathParams } from '../params';

const businessId = idSchema('letters, digits, ".", "_" or "-", at most 100');

export const StartStackCheck = z
  .object({
    checkId: businessId.optional(),
    tenantId: businessId.optional(),
    note: z.string().max(500).default('stack check'),
  })
  .strict();

export function stackCheckRoutes({ config, temporal }: Infrastructure): Router {
  const router = Router();

  // Stack checks are an operator's tool.
  router.use('/v1/stack-checks', requireRole('admin'));

  router.post('/v1/stack-checks', async (req, res) => {
    const parsed = StartStackCheck.parse(req.body ?? {});
    const { tenantId } = principalOf(req);
    if (parsed.tenantId !== undefined && parsed.tenantId !== tenantId)
      throw new HttpError(403, 'Forbidden', `your token is for tenant ${tenantId}`);
    const input = { ...parsed, tenantId };
    const checkId = input.checkId ?? randomUUID();
    const workflowId = stackCheckWorkflowId(checkId);
    const handle = await startOrConflict(workflowId, () =>
      temporal.workflow.start(stackCheckWorkflow, {
        workflowId,
        taskQueue: taskQueues(config).default,
        args: [{ checkId, tenantId: input.tenantId, note: input.note }],
        typedSearchAttributes: [
          { key: SearchAttr.BusinessId, value: checkId },
          { key: SearchAttr.WorkflowKind, value: 'stack-check' },
          { key: SearchAttr.TenantId, value: input.tenantId },
        ],
      }),
    );
    res
      .status(202)
      .location(`/v1/stack-checks/${checkId}`)
      .json({
        checkId,
        workflowId,
        runId: handle.firstExecutionRunId,
        temporalUi: temporalUiLink(config, workflowId, handle.firstExecutionRunId),
      });
  });

  router.get('/v1/stack-checks/:checkId', async (req, res) => {
    const checkId = pathParams.checkId.parse(req.params.checkId);
    const workflowId = stackCheckWorkflowId(checkId);
    const handle = temporal.workflow.getHandle(workflowId);
    const description = await readOrNotFound(workflowId, () => handle.describe());
    if (description.typedSearchAttributes.get(SearchAttr.TenantId) !== principalOf(req).tenantId)
      throw new HttpError(404, 'Not Found', `no workflow ${workflowId}`);
    const status = description.status.name;
    const result = status === 'COMPLETED' ? ((await handle.result()) as StackCheckResult) : undefined;
    res.json({
      checkId,
      workflowId,
      runId: description.runId,
      status,
      result,
      temporalUi: temporalUiLink(config, workflowId, description.runId),
    });
  });

  return router;
}
