// A research request as the API takes it (one zod schema: type, validator, OpenAPI) and the
// names shared by the API, the workflow and the store.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isUsablePattern } from './scope';
import { idSchema } from '../ids';

const httpUrl = z
  .string()
  .max(2_048)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an absolute http(s) URL')
  .meta({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' });
const pattern = z
  .string()
  .min(1)
  .max(200)
  .refine(isUsablePattern, 'must be a valid regular expression (at most 200 characters)')
  .meta({ format: 'regex' });
export const businessId = idSchema('letters, digits, ".", "_", "-" (at most 100)');

export const ResearchScopeInput = z
  .object({
    sameSite: z.boolean().default(true),
    maxPages: z.number().int().min(1).max(10_000).default(50),
    maxDepth: z.number().int().min(0).max(10).default(2),
    include: z.array(pattern).max(20).default([]),
    exclude: z.array(pattern).max(20).default([]),
  })
  .strict();

/** What one research run does; also the action of a schedule. */
export const ResearchRequest = z
  .object({
    /** Pages the crawl starts from (depth 0). */
    startUrls: z.array(httpUrl).max(50).default([]),
    /** A sitemap to read (its URLs are depth 1); `true` = the ones robots.txt names, or /sitemap.xml. */
    sitemap: z.union([httpUrl, z.boolean()]).default(false),
    scope: ResearchScopeInput.prefault({}),
    /** What to compare against; today the tenant's own catalogue. */
    compareTo: z.literal('own-catalogue').default('own-catalogue'),
    /** Pages fetched in parallel by this run (the per-host limit still applies across workers). */
    concurrency: z.number().int().min(1).max(16).default(4),
    /** Alert (signed webhook) when a matched competitor price moved by at least this many %. */
    priceWatch: z
      .object({ thresholdPct: z.number().positive().max(1_000) })
      .strict()
      .optional(),
    report: z.boolean().default(true),
  })
  .strict()
  .refine((request) => request.startUrls.length > 0 || typeof request.sitemap === 'string', { message: 'give startUrls, or a sitemap URL' })
  // The rule above, for the OpenAPI document.
  .meta({
    anyOf: [
      { properties: { startUrls: { minItems: 1 } }, required: ['startUrls'] },
      { properties: { sitemap: { type: 'string' } }, required: ['sitemap'] },
    ],
  });
export type ResearchRequest = z.infer<typeof ResearchRequest>;

export const StartResearchInput = z
  .object({
    runId: businessId.optional(),
    tenantId: businessId.optional(),
  })
  .extend({ request: ResearchRequest })
  .strict();
export type StartResearchInput = z.input<typeof StartResearchInput>;

/** The site a request researches: the origin of its first start URL (or of its sitemap). */
export function siteOf(request: ResearchRequest): string {
  const first = request.startUrls[0] ?? (typeof request.sitemap === 'string' ? request.sitemap : undefined);
  return new URL(first!).origin;
}

export const researchWorkflowId = (tenantId: string, runId: string) => `research/${tenantId}/${runId}`;
/** Runs a schedule starts get `<schedule workflow id>-<timestamp>` as id (Temporal appends it). */
export const scheduledWorkflowIdPrefix = (tenantId: string, scheduleId: string) => `research/${tenantId}/${scheduleId}`;
export const temporalScheduleId = (tenantId: string, scheduleId: string) => `research/${tenantId}/${scheduleId}`;

/** Stable id of a competitor product: the tenant and the page it was found on. */
export const researchProductIdFor = (tenantId: string, url: string) =>
  createHash('sha256').update(`research\n${tenantId}\n${url}`).digest('hex').slice(0, 24);
