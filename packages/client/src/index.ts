export { MessageCenterClient, type MessageCenterClientOptions } from './client.ts';
export { MessageCenterApiError, MessageCenterNetworkError, MessageCenterTimeoutError } from './errors.ts';
export { newWebhookSecret, signWebhook, verifyWebhook, WebhookVerificationError, WEBHOOK_TOLERANCE_SECONDS } from './webhook-signature.ts';
export { retryAfterMs } from './retry-after.ts';
export type * from './types.ts';
