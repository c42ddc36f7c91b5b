import type pg from 'pg';
import { uuidv7, type Channel } from '@mc/domain';

/** A message the inbound SMTP listener took, as kept. */
export interface InboundMailRow {
  id: string;
  envelopeFrom: string | null;
  envelopeTo: string[];
  remoteAddress: string | null;
  raw: Buffer;
  outcome: 'bounce' | 'delay' | 'complaint' | 'unmatched' | 'unparsed';
  detail: string | null;
}

/** What the mail world (or an SMS provider) said about one delivery after its send. */
export interface DeliveryFeedbackRow {
  deliveryLogId: string;
  kind: 'bounce' | 'delay' | 'complaint' | 'receipt';
  status: string | null;
  detail: string | null;
  /** The delivery failed after all: its log becomes `failed` with this error, and its event follows through the status copy. */
  failWith?: string;
  /** The address suppressed, with its reason. */
  suppress?: { channel: Channel; address: string; reason: string };
}

/**
 * Keeps a received message and/or applies feedback, in one statement: the mail is stored
 * whatever it is; the feedback row, a failure after `sent` (unsynced again, so
 * `updateEventStatus` copies it onto the event: `sent → delivery_failed`), a complaint's touch of
 * its event (so the change feed carries it) and the suppression go with it or not at all.
 */
export async function recordDeliveryFeedback(pool: pg.Pool, record: { mail?: InboundMailRow; feedback?: DeliveryFeedbackRow }): Promise<void> {
  const { mail, feedback } = record;
  await pool.query({
    name: 'mc_record_delivery_feedback',
    text: `WITH mail AS (
             INSERT INTO inbound_mail (id, envelope_from, envelope_to, remote_address, size, raw, outcome, delivery_log_id, detail)
             SELECT $1::uuid, $2, $3::text[], $4, $5, $6, $7, $8::uuid, $9 WHERE $1::uuid IS NOT NULL
           ), feedback AS (
             INSERT INTO delivery_feedback (id, delivery_log_id, kind, status, detail, inbound_mail_id)
             SELECT $10::uuid, $8::uuid, $11, $12, $13, $1::uuid WHERE $10::uuid IS NOT NULL
           ), complained AS (
             -- A complaint changes what the event's history says: it comes again in the change feed (archive, webhooks).
             UPDATE events SET updated_at = now()
             WHERE $11::text = 'complaint' AND id = (SELECT event_id FROM delivery_logs WHERE id = $8::uuid)
           ), failed AS (
             UPDATE delivery_logs SET status = 'failed', last_error = $14, synced_at = NULL, updated_at = now()
             WHERE id = $8::uuid AND $14::text IS NOT NULL AND status::text = 'sent'
           )
           INSERT INTO suppressions (channel, address, reason)
           SELECT $15::"Channel", $16::text, $17::text WHERE $16::text IS NOT NULL
           ON CONFLICT (channel, address) DO UPDATE SET reason = EXCLUDED.reason, expires_at = NULL, created_at = now()`,
    values: [
      mail?.id ?? null,
      mail?.envelopeFrom ?? null,
      mail?.envelopeTo ?? null,
      mail?.remoteAddress ?? null,
      mail?.raw.length ?? null,
      mail?.raw ?? null,
      mail?.outcome ?? null,
      feedback?.deliveryLogId ?? null,
      mail?.detail ?? null,
      feedback ? uuidv7() : null,
      feedback?.kind ?? null,
      feedback?.status ?? null,
      feedback?.detail ?? null,
      feedback?.failWith ?? null,
      feedback?.suppress?.channel ?? null,
      feedback?.suppress?.address ?? null,
      feedback?.suppress?.reason ?? null,
    ],
  });
}
