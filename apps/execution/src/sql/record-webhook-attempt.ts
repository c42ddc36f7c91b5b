import type pg from 'pg';
import type { QueuedWebhookMessage } from './claim-webhook-message';

export interface WebhookAttemptRecord {
  messageId: string;
  endpointId: string;
  /** The message's attempts before this one. */
  attemptsBefore: number;
  durationMs: number;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  succeeded: boolean;
  /** A failure: when to try again, or null to give up (past the retry window). */
  retryAt: Date | null;
  /** An endpoint failing for longer than this (ms) is disabled. */
  disableAfterMs: number;
}

/**
 * One try, kept in one statement: the attempt row, the message (`delivered`, `failed` or
 * pending until `retryAt`), and the endpoint's health — a success clears `failing_since`; a
 * failure starts it, and past `disableAfterMs` of failures disables the endpoint. Answers the
 * message to queue again (a retry), and whether this try disabled the endpoint.
 */
export async function recordWebhookAttempt(pool: pg.Pool, record: WebhookAttemptRecord): Promise<{ retry?: QueuedWebhookMessage; disabled: boolean }> {
  const state = record.succeeded ? 'delivered' : record.retryAt ? 'pending' : 'failed';
  const { rows } = await pool.query<{ retry: QueuedWebhookMessage | null; disabled: boolean }>({
    name: 'mc_record_webhook_attempt',
    text: `WITH attempt AS (
             INSERT INTO webhook_attempts (message_id, endpoint_id, attempt, duration_ms, response_status, response_body, error, succeeded)
             VALUES ($1, $2, $3::int + 1, $4, $5::int, $6, $7::text, $8::boolean)
           ), message AS (
             UPDATE webhook_messages SET attempts = $3 + 1, state = $9, next_attempt_at = coalesce($10, next_attempt_at),
                    finished_at = CASE WHEN $9 = 'pending' THEN NULL ELSE now() END
             WHERE id = $1 AND attempts = $3
             RETURNING id, attempts, next_attempt_at, state
           ), endpoint AS (
             UPDATE webhook_endpoints w
             SET failing_since = CASE WHEN $8 THEN NULL ELSE coalesce(w.failing_since, now()) END,
                 enabled = w.enabled AND NOT f.disabling,
                 disabled_at = CASE WHEN f.disabling THEN now() ELSE w.disabled_at END,
                 disabled_reason = CASE WHEN f.disabling
                   THEN 'every attempt failed since ' || to_char(w.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '; the last: ' || coalesce($7::text, 'HTTP ' || $5::int::text)
                   ELSE w.disabled_reason END
             FROM (SELECT coalesce(enabled AND NOT $8 AND failing_since < now() - make_interval(secs => $11::double precision / 1000), false) AS disabling
                   FROM webhook_endpoints WHERE id = $2) f
             WHERE w.id = $2
             RETURNING f.disabling
           )
           SELECT (SELECT json_build_object('id', id, 'attempts', attempts, 'nextAttemptAt', next_attempt_at) FROM message WHERE state = 'pending') AS retry,
                  coalesce((SELECT disabling FROM endpoint), false) AS disabled`,
    values: [
      record.messageId,
      record.endpointId,
      record.attemptsBefore,
      record.durationMs,
      record.responseStatus,
      record.responseBody,
      record.error,
      record.succeeded,
      state,
      record.retryAt,
      record.disableAfterMs,
    ],
  });
  const row = rows[0];
  const retry = row?.retry ? { ...row.retry, nextAttemptAt: new Date(row.retry.nextAttemptAt) } : undefined;
  return { retry, disabled: row?.disabled ?? false };
}
