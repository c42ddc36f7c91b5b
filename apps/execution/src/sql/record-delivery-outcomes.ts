import type pg from 'pg';
import { unnestColumns } from '@mc/db';
import type { Channel } from '@mc/domain';

/** What happened to one delivery; `pending` means "try again at `nextAttemptAt`". */
export interface DeliveryOutcome {
  deliveryLogId: string;
  status: 'sent' | 'ignored' | 'failed' | 'pending';
  /** 1 when a try counts, 0 when none does (suppressed, undeliverable, the transport unreachable). */
  attempted: number;
  /** For `pending`: when to try again. */
  nextAttemptAt: Date | null;
  error: string | null;
  providerMessageId: string | null;
  /** A permanent failure puts the address on the suppression list (normalized), with `error` as the reason. */
  suppressChannel: Channel | null;
  suppressAddress: string | null;
}

/**
 * Records outcomes in one statement and releases the rows. Conditional on `status = 'pending'`:
 * an outcome never overwrites a final one.
 */
export async function recordDeliveryOutcomes(pool: pg.Pool, outcomes: readonly DeliveryOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  // One statement: an outcome and the suppression it causes are recorded together or not at all.
  await pool.query({
    name: 'mc_record_outcomes',
    text: `WITH o AS (
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::"Channel"[], $7::text[], $8::timestamptz[])
               AS o(id, status, attempted, error, provider_message_id, suppress_channel, suppress_address, next_attempt_at)
           ), recorded AS (
             UPDATE delivery_logs d
             SET status = o.status::"DeliveryStatus", attempts = d.attempts + o.attempted, last_error = o.error,
                 provider_message_id = COALESCE(o.provider_message_id, d.provider_message_id),
                 sent_at = CASE WHEN o.status = 'sent' THEN now() ELSE d.sent_at END,
                 locked_until = NULL, locked_by = NULL, next_attempt_at = o.next_attempt_at, updated_at = now()
             FROM o WHERE d.id = o.id AND d.status::text = 'pending'
             RETURNING d.id
           )
           INSERT INTO suppressions (channel, address, reason)
           SELECT DISTINCT ON (suppress_channel, suppress_address) suppress_channel, suppress_address, coalesce(error, 'permanent failure')
           FROM o WHERE suppress_channel IS NOT NULL AND o.id IN (SELECT id FROM recorded)
           ON CONFLICT (channel, address) DO UPDATE SET reason = EXCLUDED.reason, expires_at = NULL, created_at = now()`,
    values: unnestColumns(outcomes, ['deliveryLogId', 'status', 'attempted', 'error', 'providerMessageId', 'suppressChannel', 'suppressAddress', 'nextAttemptAt']),
  });
}
