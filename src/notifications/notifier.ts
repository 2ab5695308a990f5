// Notifications to people (review assigned, reminder, escalation, decision, published, failed):
// a signed webhook that a team connects to mail or chat. Without a URL they are only logged.
import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import { platformRequest } from '../publishing/platform-http';
import { SIGNATURE_HEADER, sign } from '../publishing/signing';
import type { NotificationEvent, Notifier } from './types';

export function createNotifier(
  config: Pick<Config, 'NOTIFY_WEBHOOK_URL' | 'NOTIFY_WEBHOOK_SECRET' | 'PLATFORM_TIMEOUT_MS'>,
  logger: Logger,
): Notifier {
  return {
    async notify(event: NotificationEvent) {
      if (!config.NOTIFY_WEBHOOK_URL) {
        logger.info({ notification: event }, 'notification (no NOTIFY_WEBHOOK_URL configured)');
        return { delivered: false, reason: 'not-configured' };
      }
      const body = JSON.stringify(event);
      await platformRequest('notifications', config.NOTIFY_WEBHOOK_URL, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': event.idempotencyKey,
          [SIGNATURE_HEADER]: sign(config.NOTIFY_WEBHOOK_SECRET, body),
        },
        body,
        timeoutMs: config.PLATFORM_TIMEOUT_MS,
      });
      return { delivered: true };
    },
  };
}
