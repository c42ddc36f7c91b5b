import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { coerceError } from '@mc/domain';
import { receiveInboundMail, type InboundContext } from './inbound-mail';

export interface InboundSmtpOptions {
  host: string;
  port: number;
  maxBytes: number;
}

export interface InboundSmtp {
  port: number;
  close(): Promise<void>;
}

/** An SMTP reply to a command, as smtp-server sends an error's `responseCode` and message. */
const reply = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/**
 * The inbound SMTP listener: takes mail for the bounce domain only (anything else is refused at
 * RCPT TO: it is no open relay), at most `maxBytes` a message, and answers 250 only once the
 * message is stored — when PostgreSQL cannot store it, a 451 makes the sending MTA try again
 * later, so nothing it accepted is lost.
 */
export async function startInboundSmtp(context: InboundContext, options: InboundSmtpOptions): Promise<InboundSmtp> {
  const domain = context.bounces.domain.toLowerCase();
  const server: SMTPServer = new SMTPServer({
    name: domain,
    banner: 'Message Center bounce and feedback listener',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: options.maxBytes,
    closeTimeout: 5_000,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const at = address.address.lastIndexOf('@');
      if (at < 0 || address.address.slice(at + 1).toLowerCase() !== domain) return callback(reply(550, `5.7.1 <${address.address}>: only mail for ${domain} is taken here`));
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return callback(reply(552, `5.3.4 message larger than ${options.maxBytes} bytes`));
        const mail = {
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address || null : null,
          envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          remoteAddress: session.remoteAddress ?? null,
          raw: Buffer.concat(chunks),
        };
        receiveInboundMail(context, mail).then(
          () => callback(),
          (thrown: unknown) => {
            context.logger.warn('inbound mail not stored; the sender will try again', { error: coerceError(thrown).message });
            callback(reply(451, '4.3.0 cannot store the message now, try again later'));
          },
        );
      });
    },
  });
  server.on('error', (error: Error) => context.logger.warn('inbound SMTP error', { error: error.message }));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  // Replies go out at once (without TCP_NODELAY, small replies wait for the peer's ACK).
  server.server.on('connection', (socket) => socket.setNoDelay(true));
  let closing: Promise<void> | undefined;
  return {
    port: (server.server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
