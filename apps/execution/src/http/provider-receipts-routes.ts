import { Router } from 'express';
import { jsonBody, parseInput, requireScope, staticTokenVerifier, type Authenticator } from '@mc/http';
import type pg from 'pg';
import { recordSmsReceipt, smsReceiptSchema } from '../delivery/sms-receipts';

/** `POST /api/v1/providers/sms/receipts`, for the SMS provider (`Authorization: Bearer <SMS_RECEIPT_TOKEN>`). */
export function providerReceiptsRoutes(options: { pool: pg.Pool; auth: Authenticator; smsReceiptToken?: string }): Router {
  const router = Router();
  const provider = requireScope({ ...options.auth, verify: staticTokenVerifier(options.smsReceiptToken, { name: 'sms-provider', scopes: new Set(['sms:receipts']) }) }, 'sms:receipts');
  router.post('/providers/sms/receipts', provider, jsonBody(16 * 1024), async (req, res) => {
    const receipt = parseInput(smsReceiptSchema, req.body ?? {}, 'Invalid receipt.');
    res.status(202).json(await recordSmsReceipt(options.pool, receipt));
  });
  return router;
}
