import type { Logger } from '@mc/observability';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import type { ExecutionEnv } from '../env';
import type { ChannelSenders } from './channel-sender';
import { readFileSync } from 'node:fs';
import { StartupError } from '@mc/domain';
import { createEmailSender } from './email-sender';
import { dkimKey, type DkimKey } from './dkim';
import { createSmsSender } from './sms-sender';

export interface Transports {
  senders: ChannelSenders;
  /** The embedded development SMTP sink, when SMTP_URL is unset. */
  sink?: SmtpSink;
  close(): Promise<void>;
}

/** The DKIM key of MC_DKIM_*, read and checked at start: a key that cannot sign stops the process, saying why. */
function dkimKeyOf(env: ExecutionEnv): DkimKey | undefined {
  if (!env.MC_DKIM_DOMAIN || !env.MC_DKIM_SELECTOR) return undefined;
  try {
    const privateKeyPem = env.MC_DKIM_PRIVATE_KEY ?? readFileSync(env.MC_DKIM_PRIVATE_KEY_FILE ?? '', 'utf8');
    return dkimKey({ domain: env.MC_DKIM_DOMAIN, selector: env.MC_DKIM_SELECTOR, privateKeyPem });
  } catch (thrown) {
    throw new StartupError(`MC_DKIM_PRIVATE_KEY${env.MC_DKIM_PRIVATE_KEY ? '' : '_FILE'}: ${(thrown as Error).message}`);
  }
}

/** The email and SMS transports from configuration; without SMTP_URL, mail goes to an embedded sink. */
export async function openTransports(env: ExecutionEnv, logger: Logger): Promise<Transports> {
  let sink: SmtpSink | undefined;
  let smtpUrl = env.SMTP_URL;
  if (!smtpUrl) {
    // The environment refuses production without SMTP_URL; this is the last guard.
    if (env.NODE_ENV === 'production') throw new Error('SMTP_URL is required in production: the development sink never delivers');
    sink = await startSmtpSink({ keep: 1_000 });
    smtpUrl = sink.url;
    logger.warn('SMTP_URL is not set: email goes to an embedded development sink and is never delivered', { smtpUrl });
  }
  const senders: ChannelSenders = {
    email: createEmailSender({
      smtpUrl,
      from: env.MC_EMAIL_FROM,
      replyTo: env.MC_EMAIL_REPLY_TO,
      poolSize: env.SMTP_POOL_SIZE,
      messageIdDomain: env.MC_MESSAGE_ID_DOMAIN,
      dkim: dkimKeyOf(env),
      bounces: env.MC_BOUNCE_DOMAIN && env.MC_BOUNCE_SECRET ? { domain: env.MC_BOUNCE_DOMAIN, secret: env.MC_BOUNCE_SECRET } : undefined,
    }),
    sms: createSmsSender({
      providerUrl: env.SMS_PROVIDER_URL,
      providerToken: env.SMS_PROVIDER_TOKEN,
      from: env.SMS_FROM,
      timeoutMs: env.SMS_TIMEOUT_MS,
    }),
  };
  if (!env.SMS_PROVIDER_URL) logger.warn('SMS_PROVIDER_URL is not set: SMS deliveries will fail');
  return {
    senders,
    sink,
    async close() {
      await Promise.all([senders.email.close(), senders.sms.close()]);
      await sink?.close();
    },
  };
}
