// What a notification is and who sends it: shared by the notifier (below) and the workflows and
// activities that emit notifications (above).
export interface NotificationEvent {
  kind:
    | 'review-assigned'
    | 'review-reminder'
    | 'review-escalated'
    | 'review-expired'
    | 'review-decided'
    | 'content-published'
    | 'publish-failed'
    | 'experiment-rolled-back'
    | 'experiment-promoted'
    | 'content-flagged';
  tenantId: string;
  /** The content concerned; for experiment events, the experiment id. */
  contentId: string;
  experimentId?: string;
  recipients: string[];
  dueAt?: string;
  detail?: string;
  idempotencyKey: string;
}

export interface Notifier {
  notify(event: NotificationEvent): Promise<{ delivered: boolean; reason?: string }>;
}
