export { newWebhookSecret, signWebhook, verifyWebhook, WebhookVerificationError, WEBHOOK_TOLERANCE_SECONDS } from './webhook-signature';
