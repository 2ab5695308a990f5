// The OpenAPI 3.1 description served at /openapi.json. Request schemas are the very zod schemas
// the routes and services validate with (converted by zod's toJSONSchema); responses have their
// own zod schemas here. tests/openapi.test.ts checks that every express route is described
// (and nothing else), and that real responses match the described schemas.
import { z } from 'zod';
import { DraftContentInput, ExtendDeadlineInput, InboxQuery, ReviewInput, ReviseInput, SubmitContentInput } from '../content/service';
import { AskInput, FeedbackInput } from '../answers/service';
import { AuditQuery, CreateVersionInput, MoveLabelInput, PromoteInput, ReasonInput, StartExperimentInput } from '../learning/service';
import { CreateListInput } from '../products/lists';
import { StartResearchInput } from '../research/model';
import { CreateScheduleInput } from '../research/service';
import { SearchQuery } from '../search/queries';
import { EngagementReceipt, PushEngagementBody } from '../strategy/engagement';
import { PerformanceReport, ReportQuery } from '../strategy/report';
import { CodecAnswer, CodecBody } from './routes/codec';
import { DiffQuery } from './routes/content';
import { DecisionsQuery } from './routes/learning';
import { FeedBodies, FeedQuery } from './routes/product-lists';
import { StartStackCheck } from './routes/stack-checks';
import { ConstraintsInput } from './routes/strategy';
import { ListAction, ScheduleAction, pathParams } from './params';

const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  refusal: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
const started = (idField: string) =>
  z.looseObject({ [idField]: z.string(), workflowId: z.string(), runId: z.string(), temporalUi: z.string() });
const Items = z.looseObject({ items: z.array(z.looseObject({})) });
const Risk = z.object({
  score: z.number(),
  route: z.enum(['auto', 'one-reviewer', 'two-reviewers']),
  requiredApprovals: z.number().int(),
  reasons: z.array(z.string()),
});
const ContentView = z.looseObject({
  contentId: z.string(),
  tenantId: z.string(),
  authorId: z.string(),
  status: z.string(),
  stage: z.string(),
  revision: z.number().int(),
  title: z.string(),
  body: z.string(),
  aiGenerated: z.boolean(),
  risk: Risk.optional(),
  decisions: z.array(z.looseObject({ reviewer: z.string(), decision: z.string() })),
  publications: z.array(z.looseObject({ platform: z.string(), status: z.string() })),
  workflowId: z.string(),
  temporalUi: z.string(),
});
const Inbox = z.object({
  items: z.array(
    z.looseObject({
      contentId: z.string(),
      title: z.string(),
      status: z.string(),
      assignee: z.string().optional(),
      dueAt: z.string().optional(),
      riskScore: z.number().optional(),
      platforms: z.array(z.string()),
      authorId: z.string(),
      revision: z.number().int(),
    }),
  ),
});
const ReviewOutcome = z.object({ status: z.string(), approvals: z.number().int(), requiredApprovals: z.number().int() });
const RevisionOutcome = z.looseObject({ revision: z.number().int(), status: z.string(), risk: Risk.optional() });
const Diff = z.object({
  from: z.number().int(),
  to: z.number().int(),
  parts: z.array(z.object({ value: z.string(), added: z.boolean().optional(), removed: z.boolean().optional() })),
});
const ResearchProgress = z.looseObject({
  stage: z.string(),
  pages: z.looseObject({
    fetched: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    pending: z.number().int(),
    maxPages: z.number().int(),
  }),
  products: z.number().int(),
  etaSeconds: z.number(),
});
const ResearchRunView = z.looseObject({
  runId: z.string(),
  site: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']),
  progress: ResearchProgress.optional(),
  cost: z.looseObject({ tokens: z.number(), costUsd: z.number(), estimatedTotalUsd: z.number() }),
  workflowId: z.string(),
  temporalUi: z.string(),
});
const ResearchReportView = z.looseObject({
  runId: z.string(),
  site: z.string(),
  status: z.string(),
  analysis: z.looseObject({ counts: z.looseObject({}) }),
  report: z.looseObject({}).optional(),
  alerts: z.array(z.looseObject({})),
});
const ScheduleView = z.looseObject({
  scheduleId: z.string(),
  paused: z.boolean(),
  overlap: z.string(),
  nextRuns: z.array(z.string()),
  recentRuns: z.array(z.looseObject({ workflowId: z.string() })),
});
const PromptVersionView = z.looseObject({
  version: z.string(),
  task: z.string(),
  scope: z.string(),
  instructions: z.string(),
  temperature: z.number(),
  maxTokens: z.number().int(),
  schemaVersion: z.number().int(),
  createdBy: z.string(),
  createdAt: z.string(),
});
const LabelMove = z.object({ task: z.string(), label: z.string(), from: z.string().nullable(), to: z.string().nullable() });
const ExperimentRecordView = z.looseObject({
  experimentId: z.string(),
  task: z.string(),
  status: z.enum(['running', 'rolled-back', 'promoted', 'stopped']),
  arms: z.array(z.object({ version: z.string(), production: z.boolean() })),
  allocation: z.record(z.string(), z.number()),
  workflowId: z.string(),
});
const ExperimentStatusView = ExperimentRecordView.extend({
  live: z
    .looseObject({
      status: z.string(),
      round: z.number().int(),
      runs: z.number().int(),
      arms: z.array(z.looseObject({ version: z.string(), exposures: z.number().int(), posteriorMean: z.number(), share: z.number() })),
      guardrails: z.array(z.looseObject({ version: z.string(), breached: z.array(z.string()) })),
    })
    .optional(),
  redrives: z.array(z.looseObject({ subjectKind: z.string(), subjectId: z.string(), action: z.string(), status: z.string() })),
  temporalUi: z.string(),
});
const DecisionView = z.looseObject({
  decisionId: z.string(),
  task: z.string(),
  promptVersion: z.string(),
  model: z.string(),
  temperature: z.number(),
  priorityKey: z.number().int(),
  reasons: z.array(z.string()),
});
const SearchResult = z.object({ mode: z.enum(['text', 'knn', 'hybrid']), items: z.array(z.looseObject({ score: z.number() })) });

const AnswerSourceView = z.looseObject({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  score: z.number(),
  similarity: z.number(),
  selected: z.boolean(),
  ranks: z.record(z.string(), z.number()),
});
const AnswerView = z.looseObject({
  answerId: z.string(),
  status: z.enum(['retrieving', 'answering', 'answered', 'not_found', 'failed']),
  question: z.string(),
  answer: z.string().optional(),
  aiGenerated: z.literal(true).optional(),
  notice: z.string().optional(),
  citations: z.array(z.looseObject({ id: z.string() })),
  sources: z.array(AnswerSourceView),
  model: z.string().optional(),
  promptVersion: z.string().optional(),
  tokens: z.object({ prompt: z.number().int(), completion: z.number().int() }),
  costUsd: z.number(),
  latencyMs: z.number().int().optional(),
  feedback: z.array(z.looseObject({ verdict: z.string() })),
  workflowId: z.string(),
});
const FeedbackOutcome = z.looseObject({ answerId: z.string(), verdict: z.string(), recorded: z.boolean() });
type Schema = z.ZodType;
interface Response {
  description: string;
  schema?: Schema;
  mediaType?: string;
  /** text/event-stream: the JSON carried by each event's `data:` line. */
  events?: Schema;
}
export interface Operation {
  method: 'get' | 'post' | 'delete';
  /** express syntax (`:id`); rendered as `{id}`. */
  path: string;
  summary: string;
  tags: string[];
  /** Roles allowed; undefined = public (no token); [] = any authenticated user. */
  roles?: string[];
  query?: Schema;
  body?: Schema;
  /** Extra request media types (raw feed bodies) with their schemas. */
  rawBodies?: Record<string, Schema>;
  /** Path parameters whose schema is particular to this operation (`:action`), over PATH_PARAMETERS. */
  params?: Record<string, Schema>;
  /** Request headers the operation reads (beyond Authorization / Idempotency-Key). */
  headers?: { name: string; required: boolean; description: string }[];
  idempotent?: boolean;
  responses: Record<number, Response>;
}

const problem = (description: string): Response => ({ description, schema: Problem, mediaType: 'application/problem+json' });
const authErrors = { 401: problem('missing or invalid token'), 429: problem('rate limit reached') };
const any: string[] = [];
const admin = ['admin'];
const adminErrors = { 403: problem('not an admin'), ...authErrors };
const X_NAMESPACE = {
  name: 'X-Namespace',
  required: false,
  description: 'the Temporal namespace of the payloads (the Temporal UI and CLI send it; logged with the operator)',
};

export const operations: Operation[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    tags: ['operations'],
    responses: { 200: { description: 'alive', schema: z.object({ status: z.literal('ok') }) } },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness of Temporal, PostgreSQL, Elasticsearch, Neo4j',
    tags: ['operations'],
    responses: {
      200: { description: 'ready', schema: z.looseObject({ ready: z.boolean() }) },
      503: { description: 'a dependency is down', schema: z.looseObject({ ready: z.boolean() }) },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tags: ['operations'],
    responses: { 200: { description: 'text exposition format', mediaType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tags: ['operations'],
    responses: { 200: { description: 'OpenAPI 3.1', schema: z.looseObject({ openapi: z.string() }) } },
  },
  {
    method: 'post',
    path: '/codec/encode',
    summary: 'Codec server (Temporal remote codec): encrypt payloads with the current key (unchanged when payload encryption is off)',
    tags: ['operations'],
    roles: ['operator'],
    body: CodecBody,
    headers: [X_NAMESPACE],
    responses: {
      200: { description: 'the payloads, encrypted', schema: CodecAnswer },
      400: problem('invalid body'),
      403: problem('not an operator'),
      ...authErrors,
    },
  },
  {
    method: 'post',
    path: '/codec/decode',
    summary: 'Codec server (Temporal remote codec): decrypt payloads for the Temporal UI and CLI; plain payloads pass unchanged',
    tags: ['operations'],
    roles: ['operator'],
    body: CodecBody,
    headers: [X_NAMESPACE],
    responses: {
      200: { description: 'the payloads, decrypted', schema: CodecAnswer },
      400: problem('invalid body'),
      403: problem('not an operator'),
      422: problem(
        'a payload cannot be decrypted: its key id is unknown (codecError PayloadKeyUnknown) or it does not authenticate (PayloadDecryptionFailed)',
      ),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/feeds/:tenantId/rss.xml',
    summary: 'RSS 2.0 feed of published content',
    tags: ['content'],
    responses: { 200: { description: 'RSS 2.0', mediaType: 'application/rss+xml' }, 400: problem('bad tenant id') },
  },
  {
    method: 'get',
    path: '/v1/feeds/:tenantId/atom.xml',
    summary: 'Atom 1.0 feed of published content',
    tags: ['content'],
    responses: { 200: { description: 'Atom 1.0', mediaType: 'application/atom+xml' }, 400: problem('bad tenant id') },
  },

  {
    method: 'post',
    path: '/v1/stack-checks',
    summary: 'Start a stack check (writes to every store)',
    tags: ['operations'],
    roles: ['admin'],
    body: StartStackCheck,
    idempotent: true,
    responses: {
      202: { description: 'started', schema: started('checkId') },
      400: problem('invalid body'),
      403: problem('not an admin / other tenant'),
      409: problem('already running'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/stack-checks/:checkId',
    summary: 'Status and result of a stack check',
    tags: ['operations'],
    roles: ['admin'],
    responses: {
      200: { description: 'status', schema: z.looseObject({ checkId: z.string(), status: z.string() }) },
      404: problem('unknown'),
      ...authErrors,
    },
  },

  {
    method: 'post',
    path: '/v1/product-lists',
    summary: 'Start a product list (JSON, or a CSV / JSON-lines feed body with options in the query)',
    tags: ['products'],
    roles: ['editor', 'admin'],
    body: CreateListInput,
    query: FeedQuery,
    rawBodies: FeedBodies,
    idempotent: true,
    responses: {
      202: { description: 'started', schema: started('listId') },
      400: problem('invalid list or feed'),
      403: problem('role or tenant'),
      409: problem('list id exists'),
      413: problem('too large'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/product-lists/:listId',
    summary: 'Status, live progress and report',
    tags: ['products'],
    roles: any,
    responses: {
      200: { description: 'list', schema: z.looseObject({ listId: z.string(), status: z.string() }) },
      404: problem('unknown list'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/product-lists/:listId/events',
    summary: 'Live progress (Server-Sent Events) until the list finishes',
    tags: ['products'],
    roles: any,
    responses: {
      200: {
        description: 'event stream: `event: progress` / `done` / `error`, each with one JSON `data:` line',
        mediaType: 'text/event-stream',
        events: z.looseObject({
          listId: z.string(),
          status: z.string(),
          progress: z.looseObject({}).optional(),
          report: z.looseObject({}).optional(),
        }),
      },
      404: problem('unknown list'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/product-lists/:listId/report',
    summary: 'Final report',
    tags: ['products'],
    roles: any,
    responses: { 200: { description: 'report', schema: z.looseObject({}) }, 404: problem('no report yet'), ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/product-lists/:listId/errors',
    summary: 'Error ledger (JSON lines, or CSV with Accept: text/csv)',
    tags: ['products'],
    roles: any,
    responses: { 200: { description: 'ledger', mediaType: 'application/x-ndjson' }, 404: problem('unknown list'), ...authErrors },
  },
  {
    method: 'post',
    path: '/v1/product-lists/:listId/redrive',
    summary: 'Run only the failed items again',
    tags: ['products'],
    roles: ['editor', 'admin'],
    responses: {
      202: { description: 'started', schema: started('listId') },
      404: problem('unknown list'),
      409: problem('list still running'),
      ...authErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/product-lists/:listId/:action',
    summary: 'Steer a running list: action is pause, resume or cancel',
    tags: ['products'],
    roles: ['editor', 'admin'],
    params: { action: ListAction },
    responses: {
      202: { description: 'signalled', schema: z.object({ listId: z.string(), action: z.enum(['pause', 'resume', 'cancel']) }) },
      404: problem('unknown list or action'),
      ...authErrors,
    },
  },

  {
    method: 'post',
    path: '/v1/content',
    summary: 'Submit content for review and publishing',
    tags: ['content'],
    roles: ['editor', 'admin'],
    body: SubmitContentInput,
    idempotent: true,
    responses: {
      202: { description: 'started', schema: started('contentId') },
      400: problem('invalid body'),
      403: problem('role'),
      409: problem('content id exists'),
      413: problem('too large'),
      ...authErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/content/drafts',
    summary: 'Have the LLM draft content from a brief or a product (labelled AI-generated)',
    tags: ['content'],
    roles: ['editor', 'admin'],
    body: DraftContentInput,
    idempotent: true,
    responses: {
      202: { description: 'started', schema: started('contentId') },
      400: problem('invalid body'),
      403: problem('role'),
      409: problem('content id exists'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/content',
    summary: 'Review inbox (a Temporal visibility query over search attributes)',
    tags: ['content'],
    roles: any,
    query: InboxQuery,
    responses: { 200: { description: 'inbox', schema: Inbox }, 400: problem('bad query'), ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/content/:contentId',
    summary: 'Status, current text, checks, risk, decisions, publications',
    tags: ['content'],
    roles: any,
    responses: { 200: { description: 'content', schema: ContentView }, 404: problem('unknown (or another tenant)'), ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/content/:contentId/events',
    summary: 'Live status (Server-Sent Events) until publishing and monitoring finish',
    tags: ['content'],
    roles: any,
    responses: {
      200: {
        description: 'event stream: `event: progress` / `done` / `error`, each with one JSON `data:` line',
        mediaType: 'text/event-stream',
        events: ContentView.omit({ temporalUi: true }),
      },
      404: problem('unknown'),
      ...authErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/content/:contentId/reviews',
    summary: 'Approve, reject or request changes (workflow Update; validator refusals are 403/409)',
    tags: ['content'],
    roles: ['reviewer', 'admin'],
    body: ReviewInput,
    responses: {
      200: { description: 'decision recorded', schema: ReviewOutcome },
      400: problem('invalid body / comment required'),
      403: problem('role, self-review, tenant'),
      404: problem('unknown'),
      409: problem('closed, expired, not awaiting review, same reviewer twice'),
      ...authErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/content/:contentId/revisions',
    summary: 'Revise (author): answered once the revision is recorded; its checks follow (status, events)',
    tags: ['content'],
    roles: ['editor', 'admin'],
    body: ReviseInput,
    responses: {
      202: { description: 'revision recorded, checks running', schema: RevisionOutcome },
      400: problem('invalid body'),
      403: problem('not the author'),
      404: problem('unknown'),
      409: problem('closed or still checking'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/content/:contentId/revisions',
    summary: 'Every revision with its checks',
    tags: ['content'],
    roles: any,
    responses: { 200: { description: 'revisions', schema: Items }, 404: problem('unknown'), ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/content/:contentId/diff',
    summary: 'Word diff between two revisions',
    tags: ['content'],
    roles: any,
    query: DiffQuery,
    responses: {
      200: { description: 'diff', schema: Diff },
      400: problem('bad query'),
      404: problem('unknown content or revision'),
      ...authErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/content/:contentId/deadline',
    summary: 'Extend the review deadline',
    tags: ['content'],
    roles: ['reviewer', 'admin'],
    body: ExtendDeadlineInput,
    responses: {
      200: { description: 'new deadline', schema: z.object({ dueAt: z.string() }) },
      400: problem('invalid deadline'),
      403: problem('role'),
      404: problem('unknown'),
      409: problem('closed'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/content/:contentId/publications',
    summary: 'Publication per platform',
    tags: ['content'],
    roles: any,
    responses: { 200: { description: 'publications', schema: Items }, 404: problem('unknown'), ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/content/:contentId/metrics',
    summary: 'Engagement snapshots after publishing',
    tags: ['content'],
    roles: any,
    responses: { 200: { description: 'metrics', schema: Items }, 404: problem('unknown'), ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/content/:contentId/audit',
    summary: 'Audit trail: actor, time, model and prompt version of every transition',
    tags: ['content'],
    roles: any,
    responses: { 200: { description: 'audit', schema: Items }, 404: problem('unknown'), ...authErrors },
  },

  {
    method: 'post',
    path: '/v1/research-runs',
    summary: 'Start a site research run: bounded polite crawl, SQL analysis, graph, checked LLM report, optional price watch',
    tags: ['research'],
    roles: ['editor', 'admin'],
    body: StartResearchInput,
    idempotent: true,
    responses: {
      202: { description: 'started', schema: started('runId') },
      400: problem('invalid request'),
      403: problem('role or tenant'),
      409: problem('run id exists'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/research-runs',
    summary: "The tenant's research runs, newest first",
    tags: ['research'],
    roles: any,
    responses: { 200: { description: 'runs', schema: Items }, ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/research-runs/:runId',
    summary: 'Status, live progress with ETA, and LLM cost (spent and estimated total)',
    tags: ['research'],
    roles: any,
    responses: {
      200: { description: 'run', schema: ResearchRunView },
      400: problem('bad run id'),
      404: problem('unknown (or another tenant)'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/research-runs/:runId/events',
    summary: 'Live progress (Server-Sent Events) until the run finishes',
    tags: ['research'],
    roles: any,
    responses: {
      200: {
        description: 'event stream: `event: progress` / `done` / `error`, each with one JSON `data:` line',
        mediaType: 'text/event-stream',
        events: ResearchRunView.omit({ temporalUi: true }),
      },
      404: problem('unknown'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/research-runs/:runId/report',
    summary: 'Analysis, LLM report (findings cite product ids and URLs), price alerts, cost',
    tags: ['research'],
    roles: any,
    responses: { 200: { description: 'report', schema: ResearchReportView }, 404: problem('unknown, or no analysis yet'), ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/research-runs/:runId/report.html',
    summary: 'The report as a page with a price-distribution chart (token may be ?access_token=)',
    tags: ['research'],
    roles: any,
    responses: { 200: { description: 'HTML page', mediaType: 'text/html' }, 404: problem('unknown'), ...authErrors },
  },
  {
    method: 'post',
    path: '/v1/research-schedules',
    summary: 'Create a recurring research run (Temporal Schedule; overlap SKIP by default)',
    tags: ['research'],
    roles: ['editor', 'admin'],
    body: CreateScheduleInput,
    responses: {
      201: { description: 'created', schema: ScheduleView },
      400: problem('invalid schedule'),
      403: problem('role or tenant'),
      409: problem('schedule id exists'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/research-schedules/:scheduleId',
    summary: 'A schedule: paused or not, next and recent runs',
    tags: ['research'],
    roles: any,
    responses: { 200: { description: 'schedule', schema: ScheduleView }, 404: problem('unknown'), ...authErrors },
  },
  {
    method: 'post',
    path: '/v1/research-schedules/:scheduleId/:action',
    summary: 'Steer a schedule: action is pause, unpause or trigger (run now)',
    tags: ['research'],
    roles: ['editor', 'admin'],
    params: { action: ScheduleAction },
    responses: {
      202: { description: 'done', schema: z.object({ scheduleId: z.string(), action: z.enum(['pause', 'unpause', 'trigger']) }) },
      404: problem('unknown schedule or action'),
      ...authErrors,
    },
  },
  {
    method: 'delete',
    path: '/v1/research-schedules/:scheduleId',
    summary: 'Delete a schedule (runs already started go on)',
    tags: ['research'],
    roles: ['editor', 'admin'],
    responses: { 204: { description: 'deleted' }, 404: problem('unknown'), ...authErrors },
  },
  {
    method: 'post',
    path: '/v1/engagement/:tenantId/events',
    summary: 'Push engagement counts (signed with HMAC-SHA256, not a token); each event id counts once',
    tags: ['strategy'],
    body: PushEngagementBody,
    headers: [
      {
        name: 'X-MagicAI-Signature',
        required: true,
        description:
          't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> with the tenant\'s push secret; refused when older than ENGAGEMENT_MAX_AGE',
      },
    ],
    responses: {
      200: {
        description: 'stored (duplicates counted once) and credited to the strategies that produced the content',
        schema: EngagementReceipt,
      },
      400: problem('malformed JSON, invalid shape, timestamp in the future'),
      401: problem('missing, malformed, stale or wrong signature (refusal says which)'),
      413: problem('too large'),
      415: problem('not application/json'),
      429: problem(
        'rate limit reached: per client address (RATE_LIMIT_CLIENT) before the signature check, per tenant (RATE_LIMIT_ENGAGEMENT_PUSH) after it; Retry-After says when to retry',
      ),
    },
  },
  {
    method: 'get',
    path: '/v1/strategy/learners/:brand/:channel',
    summary: 'A strategy learner: its statistics, brand constraints, and the best strategy so far with its uncertainty',
    tags: ['strategy'],
    roles: any,
    responses: {
      200: {
        description: 'learner',
        schema: z.looseObject({
          brand: z.string(),
          channel: z.string(),
          observations: z.number().int(),
          recommendation: z.looseObject({ strategy: z.looseObject({ tone: z.string() }), uncertainty: z.number() }),
          workflowId: z.string(),
        }),
      },
      400: problem('bad brand or channel'),
      404: problem('no learner yet'),
      ...authErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/strategy/learners/:brand/:channel/constraints',
    summary: 'Set brand constraints (allowed tones, banned phrases, voice notes): a workflow Update with a validator',
    tags: ['strategy'],
    roles: ['admin'],
    body: ConstraintsInput,
    responses: {
      200: {
        description: 'constraints in force',
        schema: z.object({ allowedTones: z.array(z.string()), bannedPhrases: z.array(z.string()), voiceNotes: z.string() }),
      },
      400: problem('invalid body'),
      403: problem('not an admin'),
      422: problem('refused by the learner'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/strategy/report',
    summary: 'Content performance per brand, channel and strategy over a period, against the 98 % target',
    tags: ['strategy'],
    roles: any,
    query: ReportQuery,
    responses: {
      200: { description: 'report', schema: PerformanceReport },
      400: problem('bad query'),
      422: problem('from is not before to'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/learning/prompts',
    summary: 'Tasks of the prompt registry with their labels and versions',
    tags: ['learning'],
    roles: admin,
    responses: {
      200: {
        description: 'tasks',
        schema: z.object({
          items: z.array(
            z.object({
              task: z.string(),
              labels: z.array(z.looseObject({ label: z.string(), version: z.string() })),
              versions: z.array(z.string()),
            }),
          ),
        }),
      },
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/learning/prompts/:task',
    summary: 'Versions (immutable) and labels of one task',
    tags: ['learning'],
    roles: admin,
    responses: {
      200: { description: 'versions', schema: z.looseObject({ task: z.string(), versions: z.array(PromptVersionView) }) },
      404: problem('unknown task'),
      ...adminErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/learning/prompts/:task/versions',
    summary: 'Create a prompt version (prompt + model configuration), audited',
    tags: ['learning'],
    roles: admin,
    body: CreateVersionInput,
    responses: {
      201: { description: 'created', schema: PromptVersionView },
      400: problem('invalid body'),
      404: problem('unknown task'),
      ...adminErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/learning/prompts/:task/labels/:label',
    summary: "Move a label (production, candidate, …) of the tenant's registry, audited",
    tags: ['learning'],
    roles: admin,
    body: MoveLabelInput,
    responses: {
      200: { description: 'moved', schema: LabelMove },
      400: problem('invalid body or label'),
      404: problem('unknown task or version'),
      ...adminErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/learning/prompts/:task/rollback',
    summary: 'Move production back to the version it pointed at before, audited',
    tags: ['learning'],
    roles: admin,
    body: ReasonInput,
    responses: {
      200: { description: 'rolled back', schema: LabelMove },
      400: problem('invalid body'),
      404: problem('unknown task'),
      409: problem('nothing to roll back to'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/learning/audit',
    summary: 'Audit trail of the registry and experiments: who, when, why',
    tags: ['learning'],
    roles: admin,
    query: AuditQuery,
    responses: { 200: { description: 'entries, newest first', schema: Items }, 400: problem('bad query'), ...adminErrors },
  },
  {
    method: 'post',
    path: '/v1/learning/experiments',
    summary: 'Start an experiment of candidate versions against production (adaptive allocation, guardrails)',
    tags: ['learning'],
    roles: admin,
    body: StartExperimentInput,
    responses: {
      202: { description: 'started', schema: started('experimentId') },
      400: problem('invalid body'),
      404: problem('unknown version'),
      409: problem('an experiment on the task is running'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/learning/experiments',
    summary: 'Experiments of the tenant',
    tags: ['learning'],
    roles: admin,
    responses: { 200: { description: 'experiments', schema: z.object({ items: z.array(ExperimentRecordView) }) }, ...adminErrors },
  },
  {
    method: 'get',
    path: '/v1/learning/experiments/:experimentId',
    summary: 'Status: exposures, posterior means, shares, guardrails, redrives',
    tags: ['learning'],
    roles: admin,
    responses: {
      200: { description: 'status', schema: ExperimentStatusView },
      400: problem('bad id'),
      404: problem('unknown'),
      ...adminErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/learning/experiments/:experimentId/stop',
    summary: 'Stop the experiment (production stays)',
    tags: ['learning'],
    roles: admin,
    body: ReasonInput,
    responses: {
      202: { description: 'signalled', schema: z.object({ experimentId: z.string(), action: z.string(), accepted: z.boolean() }) },
      400: problem('invalid body'),
      404: problem('unknown'),
      409: problem('ended'),
      ...adminErrors,
    },
  },
  {
    method: 'post',
    path: '/v1/learning/experiments/:experimentId/promote',
    summary: 'Promote a candidate (default: the leader) to production',
    tags: ['learning'],
    roles: admin,
    body: PromoteInput,
    responses: {
      202: { description: 'signalled', schema: z.object({ experimentId: z.string(), action: z.string(), accepted: z.boolean() }) },
      400: problem('invalid body or version'),
      404: problem('unknown'),
      409: problem('ended'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/learning/decisions',
    summary: 'Decisions of the learning loop in one workflow run, with reasons and outcomes',
    tags: ['learning'],
    roles: any,
    query: DecisionsQuery,
    responses: {
      200: { description: 'decisions', schema: z.object({ items: z.array(DecisionView) }) },
      400: problem('bad query'),
      ...authErrors,
    },
  },

  {
    method: 'get',
    path: '/v1/search/products',
    summary: 'Search products: BM25 text, kNN on embeddings, or hybrid',
    tags: ['search'],
    roles: any,
    query: SearchQuery,
    responses: { 200: { description: 'hits', schema: SearchResult }, 400: problem('bad query'), ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/search/content',
    summary: 'Search approved content',
    tags: ['search'],
    roles: any,
    query: SearchQuery,
    responses: { 200: { description: 'hits', schema: SearchResult }, 400: problem('bad query'), ...authErrors },
  },
  {
    method: 'get',
    path: '/v1/products/:productId/recommendations',
    summary: 'Similar products from the Neo4j graph',
    tags: ['search'],
    roles: any,
    responses: {
      200: {
        description: 'recommendations',
        schema: z.object({ productId: z.string(), items: z.array(z.looseObject({ productId: z.string() })) }),
      },
      404: problem('unknown product'),
      ...authErrors,
    },
  },

  {
    method: 'post',
    path: '/v1/answers',
    summary:
      'Ask a question: hybrid retrieval over products and approved content, an AI answer citing only retrieved sources, or "not found"',
    tags: ['answers'],
    roles: any,
    body: AskInput,
    idempotent: true,
    responses: {
      200: { description: 'answered (wait: true and finished in time)', schema: AnswerView },
      202: {
        description: 'started; poll the Location',
        schema: z.looseObject({ answerId: z.string(), workflowId: z.string(), status: z.string(), temporalUi: z.string() }),
      },
      400: problem('invalid body'),
      409: problem('answer id exists'),
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/answers/:answerId',
    summary: 'The interaction: question, retrieved sources with scores, answer, citations, model, prompt version, latency, cost, feedback',
    tags: ['answers'],
    roles: any,
    responses: { 200: { description: 'answer', schema: AnswerView }, 404: problem('unknown (or another tenant)'), ...authErrors },
  },
  {
    method: 'post',
    path: '/v1/answers/:answerId/feedback',
    summary: 'Helpful / not helpful / wrong source (per cited source); wrong sources are demoted for similar questions',
    tags: ['answers'],
    roles: any,
    body: FeedbackInput,
    responses: {
      201: { description: 'stored', schema: FeedbackOutcome },
      400: problem('invalid body'),
      404: problem('unknown answer'),
      409: problem('answer not finished'),
      422: problem('a source the answer does not cite'),
      ...authErrors,
    },
  },
];

export const openApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z]+)/g, '{$1}');

/** Path parameters: the schemas the routes parse them with (src/api/params.ts); anything else is a 400. */
const PATH_PARAMETERS: Record<string, Schema> = pathParams;

/**
 * Server-Sent Events of the live routes, as the schema of one event (`event`, `data`; OpenAPI
 * 3.2's reading of a text/event-stream schema): `progress` with the status whenever it changes,
 * then `done` with the final status, or `error` with a detail; `data` is one line of JSON.
 */
const sseEvent = (data: Schema) => {
  const carrying = (events: string[], payload: Schema) => ({
    type: 'object',
    required: ['event', 'data'],
    properties: {
      event: { enum: events },
      data: { type: 'string', contentMediaType: 'application/json', contentSchema: json(payload, 'output') },
    },
  });
  return { oneOf: [carrying(['progress', 'done'], data), carrying(['error'], z.object({ detail: z.string() }))] };
};

/**
 * Statuses every operation can answer besides its own: 400 (a path id, query or body that does
 * not validate, or text PostgreSQL cannot store), 429 (per-client limit), 503 (a store or Temporal
 * is unavailable; Retry-After), and for authenticated routes 401 / 429 (user, tenant).
 */
function commonResponses(op: Operation): Record<number, Response> {
  const common: Record<number, Response> = {
    503: problem('a dependency (PostgreSQL, Temporal, Elasticsearch, Neo4j) is unavailable; retry after Retry-After seconds'),
  };
  if (op.path.includes(':') || op.query || op.body || op.rawBodies)
    common[400] = problem('invalid path id, query or body, or text that cannot be stored');
  if (op.body || op.rawBodies) common[413] = problem('body larger than the limit of the route');
  if (op.roles) Object.assign(common, authErrors, { 403: problem('role or tenant') });
  if (op.idempotent) common[422] = problem('Idempotency-Key reused with a different request');
  return common;
}

const RETRY_AFTER = { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } };

const json = (schema: Schema, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: io === 'input' ? describeTrimming : undefined,
  }) as Record<string, unknown>;
  if (io === 'input') applyTextRule(rest);
  return rest;
};

/** What String.prototype.trim removes (white space and line terminators), and NUL (the text rule). */
const TRIMMED = '\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * A zod string that is trimmed before its minimum length is checked (`.trim().min(n)`): the
 * pattern says what that means for the raw text, at least n characters from the first to the
 * last one that is not white space (so "  " is not a valid title, as the route says).
 */
function describeTrimming({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const def = (
    zodSchema as { _zod: { def: { type: string; checks?: { _zod: { def: { check: string; tx?: (value: string) => string } } }[] } } }
  )._zod.def;
  if (def.type !== 'string' || jsonSchema.pattern !== undefined) return;
  const trims = def.checks?.some(({ _zod: check }) => check.def.check === 'overwrite' && check.def.tx?.(' x ') === 'x');
  if (!trims) return;
  const min = typeof jsonSchema.minLength === 'number' ? jsonSchema.minLength : 0;
  const text = '[^\\u0000]*';
  const solid = `[^\\u0000${TRIMMED}]`;
  jsonSchema.pattern =
    min === 0 ? `^${text}$` : min === 1 ? `^${text}${solid}${text}$` : `^${text}${solid}[^\\u0000]{${min - 2},}${solid}${text}$`;
}

/** The text rule (src/api/input.ts) in the schema: free text, and the names of free-form fields, may not contain NUL. */
function applyTextRule(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(applyTextRule);
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.type === 'string' && schema.pattern === undefined && schema.enum === undefined && schema.const === undefined) {
    schema.pattern = '^[^\\u0000]*$';
  }
  if (schema.type === 'object' && schema.additionalProperties !== false && schema.propertyNames === undefined) {
    schema.propertyNames = { pattern: '^[^\\u0000]*$' };
  }
  Object.values(schema).forEach(applyTextRule);
}

export function buildOpenApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const params = [...op.path.matchAll(/:([A-Za-z]+)/g)].map(([, name]) => {
      const schema = op.params?.[name!] ?? PATH_PARAMETERS[name!];
      if (!schema) throw new Error(`${op.method} ${op.path}: no schema for the path parameter ${name} (src/api/params.ts)`);
      return { name, in: 'path', required: true, schema: json(schema, 'input') };
    });
    const queryProps = op.query ? (json(op.query, 'input') as { properties?: Record<string, unknown>; required?: string[] }) : undefined;
    const queryParams = Object.entries(queryProps?.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: queryProps?.required?.includes(name) ?? false,
      schema,
    }));
    const extraHeaders = (op.headers ?? []).map(({ name, required, description }) => ({
      name,
      in: 'header',
      required,
      description,
      schema: { type: 'string' },
    }));
    const headerParams = op.idempotent
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
            description:
              'makes a retried start safe: same key + body = the stored answer (Idempotent-Replayed: true); another body = 422; still running = 409',
          },
        ]
      : [];
    const content: Record<string, unknown> = {};
    if (op.body) {
      content['application/json'] = { schema: json(op.body, 'input') };
    }
    for (const [type, schema] of Object.entries(op.rawBodies ?? {})) content[type] = { schema: json(schema, 'input') };
    paths[openApiPath(op.path)] ??= {};
    paths[openApiPath(op.path)]![op.method] = {
      summary: op.summary,
      tags: op.tags,
      operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(op.roles ? { security: [{ bearer: [] }], 'x-roles': op.roles.length ? op.roles : 'any' } : { security: [] }),
      parameters: [...params, ...queryParams, ...headerParams, ...extraHeaders],
      ...(op.body || op.rawBodies ? { requestBody: { required: true, content } } : {}),
      responses: Object.fromEntries(
        Object.entries({ ...commonResponses(op), ...op.responses }).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(status === '429' || status === '503' ? { headers: RETRY_AFTER } : {}),
            ...(response.schema === undefined && response.mediaType === undefined
              ? {}
              : {
                  content: {
                    [response.mediaType ?? 'application/json']: {
                      schema: response.events
                        ? sseEvent(response.events)
                        : response.schema
                          ? json(response.schema, 'output')
                          : { type: 'string' },
                    },
                  },
                }),
          },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    'x-unsupported-methods': 'every path answers a method it does not list with 405 Method Not Allowed and an Allow header',
    info: {
      title: 'MagicAI Workflows API',
      version: '0.2.0',
      description: 'Starts and steers the product-list and content-review workflows. Errors are application/problem+json (RFC 9457).',
    },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (ES256; claims sub, tenant, roles)' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
