// Path parameters, one zod schema per name: the routes parse `req.params` with these and the
// OpenAPI document (src/api/openapi.ts) describes the parameters from the same schemas, so a
// well-formed id in the document is one the route takes, and anything else is a 400.
import { z } from 'zod';
import { idSchema } from '../ids';
import { labelName, taskName } from '../learning/service';
import { PLATFORMS } from '../publishing/adapter';

export const BrandId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a brand id: letters, digits, dot, dash, underscore; at most 64');

export const pathParams = {
  contentId: idSchema('not a content id'),
  listId: idSchema('not a list id'),
  checkId: idSchema('not a stack check id'),
  tenantId: idSchema('not a tenant id'),
  runId: idSchema('not a research run id'),
  scheduleId: idSchema('not a research schedule id'),
  answerId: idSchema('not an answer id'),
  experimentId: idSchema('not an experiment id'),
  productId: z.string().min(1).max(200),
  brand: BrandId,
  channel: z.enum(PLATFORMS),
  task: taskName,
  label: labelName,
} satisfies Record<string, z.ZodType<string>>;

/** `:action` differs by route: these are the actions of a product list and of a research schedule. */
export const ListAction = z.enum(['pause', 'resume', 'cancel']);
export const ScheduleAction = z.enum(['pause', 'unpause', 'trigger']);
