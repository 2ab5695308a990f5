// How the content workflow records what happens: each transition updates the state the
// `status` query answers, the Temporal UI's details and search attributes, and writes one audit
// event (idempotent by workflow id + sequence). Notifications go to an outbox that a background
// loop delivers, so a slow webhook never delays a review; a lost one is logged, never fatal.
import { condition, log, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ContentPublishActivities } from '../activities/content-publish';
import type { ContentReviewActivities } from '../activities/content-review';
import type { ContentEvent, ContentSnapshot } from '../content/model';
import type { NotificationEvent } from '../notifications/types';
import { SearchAttr } from '../temporal/search-attributes';
import { storeWrite } from './activity-presets';
import { failureOf } from './failures';

export type EventWriter = Pick<ContentReviewActivities, 'recordContentEvent'>;

export interface ContentRecorder {
  /** Applies `to`, then records the event (through `via`: local activities since `content-events-local`; before it, the high-priority queue inside Updates). */
  transition: (
    actor: string,
    action: string,
    to?: Partial<Pick<ContentSnapshot, 'status' | 'stage'>>,
    extra?: Partial<ContentEvent>,
    via?: EventWriter,
  ) => Promise<void>;
  notify: (kind: NotificationEvent['kind'], recipients: string[], detail?: string) => void;
  /** Delivers what is left in the outbox, then stops the delivery loop. */
  close: () => Promise<void>;
}

export function createContentRecorder(state: ContentSnapshot, defaultWriter: EventWriter): ContentRecorder {
  const { tenantId, contentId } = state;
  const notifications = proxyActivities<ContentPublishActivities>(storeWrite);
  const outbox: NotificationEvent[] = [];
  let sequence = 0;
  let notificationCount = 0;
  let closing = false;

  const sync = () => {
    // What the Temporal UI shows as the run's current details.
    setCurrentDetails(
      [
        `**${state.status}** · ${state.stage} · revision ${state.revision}`,
        state.assignee && `assignee ${state.assignee}`,
        state.dueAt && `due ${state.dueAt}`,
        state.risk && `risk ${state.risk.score} (${state.risk.route})`,
      ]
        .filter(Boolean)
        .join(' · '),
    );
    upsertSearchAttributes([
      { key: SearchAttr.ReviewStatus, value: state.status },
      { key: SearchAttr.Assignee, value: state.assignee ?? null },
      { key: SearchAttr.ReviewDueTime, value: state.dueAt ? new Date(state.dueAt) : null },
      { key: SearchAttr.RiskScore, value: state.risk?.score ?? null },
    ]);
  };

  async function transition(
    actor: string,
    action: string,
    to: Partial<Pick<ContentSnapshot, 'status' | 'stage'>> = {},
    extra: Partial<ContentEvent> = {},
    via: EventWriter = defaultWriter,
  ) {
    const from = state.status;
    Object.assign(state, to);
    sync();
    if (state.status !== from)
      log.info('content status changed', { contentId, action, from, to: state.status, stage: state.stage, revision: state.revision });
    await via.recordContentEvent({
      tenantId,
      contentId,
      eventKey: `${workflowInfo().workflowId}#${++sequence}`,
      actor,
      action,
      fromStatus: from,
      toStatus: state.status,
      stage: state.stage,
      revision: state.revision,
      assignee: state.assignee ?? null,
      dueAt: state.dueAt ?? null,
      ...extra,
    });
  }

  const notify = (kind: NotificationEvent['kind'], recipients: string[], detail?: string) => {
    outbox.push({
      kind,
      tenantId,
      contentId,
      recipients,
      dueAt: state.dueAt,
      detail,
      idempotencyKey: `${workflowInfo().workflowId}#notify-${++notificationCount}-${kind}`,
    });
  };

  async function deliver() {
    for (;;) {
      await condition(() => outbox.length > 0 || closing);
      const next = outbox.shift();
      if (!next) return;
      try {
        await notifications.notify(next);
      } catch (error) {
        // Retries are spent: a lost notification must not fail the content; the audit trail has the event.
        log.warn('notification not delivered', {
          contentId,
          kind: next.kind,
          recipients: next.recipients,
          idempotencyKey: next.idempotencyKey,
          ...failureOf(error),
        });
      }
    }
  }
  const delivering = deliver();

  return {
    transition,
    notify,
    async close() {
      closing = true;
      await delivering;
    },
  };
}
