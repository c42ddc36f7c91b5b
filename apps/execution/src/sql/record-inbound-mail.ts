import type pg from 'pg';
import { uuidv7, type Channel } from '@mc/domain';

export interface InboundMailRecord {
  id: string;
  envelopeFrom: string | null;
  envelopeTo: string[];
  remoteAddress: string | null;
  raw: Buffer;
  outcome: 'bounce' | 'delay' | 'complaint' | 'unmatched' | 'unparsed';
  detail: string | null;
  /** What the mail says about one delivery, when it names one of ours. */
  feedback?: {
    deliveryLogId: string;
    kind: 'bounce' | 'delay' | 'complaint';
    status: string | null;
    detail: string | null;
    /** A hard bounce: the delivery log becomes `failed` with this error (and its event follows through the status copy). */
    failWith?: string;
    /** The address suppressed, with its reason. */
    suppress?: { channel: Channel; address: string; reason: string };
  };
}

/**
 * Keeps a received message and applies what it says, in one statement: the mail is stored
 * whatever it is; a delivery's feedback row, a hard bounce's `sent → failed` (unsynced again, so
 * `updateEventStatus` copies it onto the event) and the suppression go with it or not at all.
 */
export async function recordInboundMail(pool: pg.Pool, mail: InboundMailRecord): Promise<void> {
  const feedback = mail.feedback;
  await pool.query({
    name: 'mc_record_inbound_mail',
    text: `WITH mail AS (
             INSERT INTO inbound_mail (id, envelope_from, envelope_to, remote_address, size, raw, outcome, delivery_log_id, detail)
             VALUES ($1::uuid, $2, $3::text[], $4, $5, $6, $7, $8::uuid, $9)
             RETURNING id
           ), feedback AS (
             INSERT INTO delivery_feedback (id, delivery_log_id, kind, status, detail, inbound_mail_id)
             SELECT $10::uuid, $8::uuid, $11, $12, $13, mail.id FROM mail WHERE $8::uuid IS NOT NULL
           ), failed AS (
             UPDATE delivery_logs SET status = 'failed', last_error = $14, synced_at = NULL, updated_at = now()
             WHERE id = $8::uuid AND $14::text IS NOT NULL AND status::text = 'sent'
           )
           INSERT INTO suppressions (channel, address, reason)
           SELECT $15::"Channel", $16::text, $17::text WHERE $16::text IS NOT NULL
           ON CONFLICT (channel, address) DO UPDATE SET reason = EXCLUDED.reason, expires_at = NULL, created_at = now()`,
    values: [
      mail.id,
      mail.envelopeFrom,
      mail.envelopeTo,
      mail.remoteAddress,
      mail.raw.length,
      mail.raw,
      mail.outcome,
      feedback?.deliveryLogId ?? null,
      mail.detail,
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
