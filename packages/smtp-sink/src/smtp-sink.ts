import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

/** What the sink answers for one recipient: accept it, refuse it with an SMTP reply, or hang up. */
export type RecipientVerdict = 'accept' | 'drop' | { code: number; message: string };

/** Decides per recipient (RCPT TO); default: accept everything. */
export type RecipientPolicy = (recipient: string) => RecipientVerdict;

export interface ReceivedMessage {
  /** The `Message-ID` header, brackets included (what the sender derived from its delivery log). */
  messageId: string | undefined;
  from: string | undefined;
  to: string[];
  subject: string | undefined;
  /** The raw message (headers and body). */
  raw: string;
  receivedAt: Date;
}

export interface SmtpSinkOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Messages kept in memory, oldest dropped first; default 10,000. */
  keep?: number;
  policy?: RecipientPolicy;
  /** Waits this long (ms) before accepting each message, like a slow server; default 0. */
  acceptDelayMs?: number;
}

export interface SmtpSink {
  port: number;
  /** `smtp://host:port`, ready for SMTP_URL. */
  url: string;
  /** Received messages, oldest first. */
  readonly messages: readonly ReceivedMessage[];
  /** Messages received since start (including those no longer kept). */
  readonly receivedCount: number;
  setPolicy(policy: RecipientPolicy): void;
  clear(): void;
  /** Called for every message accepted. */
  onMessage(listener: (message: ReceivedMessage) => void): () => void;
  /** Idempotent. */
  close(): Promise<void>;
}

function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim();
}

/**
 * A real SMTP server on loopback (the `smtp-server` package, which sets TCP_NODELAY) that keeps
 * what it receives. No authentication, no TLS: it is a development and test peer, never a relay.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const keep = options.keep ?? 10_000;
  let policy: RecipientPolicy = options.policy ?? (() => 'accept');
  const messages: ReceivedMessage[] = [];
  const listeners = new Set<(message: ReceivedMessage) => void>();
  let receivedCount = 0;
  const acceptDelayMs = options.acceptDelayMs ?? 0;

  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: 50 * 1024 * 1024,
    // On close, clients still connected (a pooled sender that was killed) get 1 s, not 30.
    closeTimeout: 1_000,
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const verdict = policy(address.address);
      if (verdict === 'accept') return callback();
      if (verdict === 'drop') {
        dropConnection(server, session);
        return undefined;
      }
      return callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const message: ReceivedMessage = {
          messageId: header(raw, 'Message-ID'),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          subject: header(raw, 'Subject'),
          raw,
          receivedAt: new Date(),
        };
        receivedCount += 1;
        messages.push(message);
        if (messages.length > keep) messages.splice(0, messages.length - keep);
        for (const listener of listeners) listener(message);
        if (acceptDelayMs > 0) setTimeout(callback, acceptDelayMs);
        else callback();
      });
    },
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = (server.server.address() as AddressInfo);
  let closing: Promise<void> | undefined;

  return {
    port: address.port,
    url: `smtp://${options.host ?? '127.0.0.1'}:${address.port}`,
    messages,
    get receivedCount() {
      return receivedCount;
    },
    setPolicy(next) {
      policy = next;
    },
    clear() {
      messages.length = 0;
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}

/** Hangs up on a session, as a crashing or overloaded server would. */
function dropConnection(server: SMTPServer, session: SMTPServerSession): void {
  // smtp-server keeps its live connections in `connections`; each has the raw socket.
  const connections = (server as unknown as { connections: Set<{ id: string; _socket?: { destroy(): void } }> }).connections;
  for (const connection of connections) {
    if (connection.id === session.id) connection._socket?.destroy();
  }
}
