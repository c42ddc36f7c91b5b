import { Router } from 'express';
import { jsonBody, parseInput, requireScope, staticTokenVerifier, type Authenticator } from '@mc/http';
import type pg from 'pg';
import { recordSmsReceipt, smsReceiptSchema } from '../delivery/sms-receipts';
import { emailFeedbackSchema, recordEmailFeedback } from '../inbound/provider-feedback';
import type { ExecutionMetrics } from '../metrics/execution-metrics';

export interface ProviderRoutesOptions {
  pool: pg.Pool;
  auth: Authenticator;
  /** SMS_RECEIPT_TOKEN (unset: receipts are refused). */
  smsReceiptToken?: string;
  /** EMAIL_FEEDBACK_TOKEN (unset: email providers' reports are refused). */
  emailFeedbackToken?: string;
  metrics?: ExecutionMetrics;
}

/**
 * What providers report back over HTTP: `POST /api/v1/providers/sms/receipts` (the SMS provider,
 * `Authorization: Bearer <SMS_RECEIPT_TOKEN>`) and `POST /api/v1/providers/email/feedback` (an
 * email provider's bounces and complaints, `Authorization: Bearer <EMAIL_FEEDBACK_TOKEN>`).
 */
export function providerReceiptsRoutes(options: ProviderRoutesOptions): Router {
  const router = Router();
  const provider = (token: string | undefined, name: string, scope: string) =>
    requireScope({ ...options.auth, verify: staticTokenVerifier(token, { name, scopes: new Set([scope]) }) }, scope);
  router.post('/providers/sms/receipts', provider(options.smsReceiptToken, 'sms-provider', 'sms:receipts'), jsonBody(16 * 1024), async (req, res) => {
    const receipt = parseInput(smsReceiptSchema, req.body ?? {}, 'Invalid receipt.');
    res.status(202).json(await recordSmsReceipt(options.pool, receipt));
  });
  router.post('/providers/email/feedback', provider(options.emailFeedbackToken, 'email-provider', 'email:feedback'), jsonBody(16 * 1024), async (req, res) => {
    const feedback = parseInput(emailFeedbackSchema, req.body ?? {}, 'Invalid feedback.');
    res.status(202).json(await recordEmailFeedback(options.pool, feedback, options.metrics));
  });
  return router;
}
