import { Router } from 'express';
import { AppError } from '@mc/domain';
import type { SmtpSink } from '@mc/smtp-sink';

/**
 * `/admin/outbox`: the mail the embedded development SMTP sink received (when SMTP_URL is unset),
 * newest first; `/admin/outbox/:index` one message raw.
 */
export function outboxRoutes(sink: SmtpSink): Router {
  const router = Router();
  router.get('/outbox', (_req, res) => {
    const messages = [...sink.messages].reverse();
    res.json({
      received: sink.receivedCount,
      items: messages.map((message, index) => ({
        index,
        messageId: message.messageId,
        from: message.from,
        to: message.to,
        subject: message.subject,
        receivedAt: message.receivedAt,
      })),
    });
  });
  router.get('/outbox/:index', (req, res) => {
    const message = [...sink.messages].reverse()[Number(req.params.index)];
    if (!message) throw new AppError('not_found', 'No such message in the outbox.');
    res.type('message/rfc822').send(message.raw);
  });
  return router;
}
