import { archivePageSchema, type ArchivePage, type PublishedTemplateInput } from '@mc/contract';
import { AppError, coerceError } from '@mc/domain';

/** An execution instance as the control instance reaches it: its URL and its `control` credential. */
export interface ExecutionEndpoint {
  url: string;
  credential: string;
}

/** How control calls execution instances. */
export interface ExecutionCallOptions {
  /** A call that has not answered after this long fails (ms). */
  timeoutMs: number;
  /**
   * The hosts control may call (MC_EXECUTION_URL_ALLOW): `host`, `host:port`, `*.domain`, an IP
   * literal (`[::1]` for IPv6). Undefined: any host.
   */
  allowedHosts?: readonly string[];
}

/** Answer bodies read at most (an archive page of 5,000 events is a few MB). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** Is `url` on the allow-list (no list: every URL is)? */
export function isAllowedExecutionUrl(url: string, allowedHosts: readonly string[] | undefined): boolean {
  if (allowedHosts === undefined) return true;
  const parsed = new URL(url);
  const host = parsed.hostname.toLowerCase();
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return allowedHosts.some((pattern) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(pattern.trim().toLowerCase());
    if (!match?.[1]) return false;
    const [, patternHost, patternPort] = match;
    if (patternPort !== undefined && patternPort !== port) return false;
    return patternHost.startsWith('*.') ? host.endsWith(patternHost.slice(1)) : host === patternHost;
  });
}

/** Why a call did not get an answer, in words that say what failed and nothing the peer sent. */
function unreachableReason(thrown: unknown, timeoutMs: number): string {
  // The timeout's abort is a DOMException, which is not a native Error.
  const name = (thrown as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = coerceError(thrown).cause as { code?: unknown; message?: unknown } | undefined;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (typeof code === 'string' && /CERT|SSL|TLS/.test(code)) return `TLS failed (${code})`;
  if (typeof code === 'string') return `unreachable (${code})`;
  // Errors of our own side (fetch refusing a port, a bad URL): nothing the peer said.
  return typeof cause?.message === 'string' ? `unreachable (${cause.message})` : 'unreachable';
}

/** A call to an execution instance failed; `status` is its HTTP status (undefined: unreachable). */
export class ExecutionCallError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ExecutionCallError';
  }
}

/**
 * The control instance's calls to one execution instance. It cannot be made to probe the
 * network for an operator: redirects are never followed, a failure says what failed (a status,
 * a timeout, a refused connection) and never echoes what the peer answered, answers are read up
 * to a size, and hosts off the allow-list are never called.
 */
export class ExecutionClient {
  constructor(
    private readonly endpoint: ExecutionEndpoint,
    private readonly options: ExecutionCallOptions,
  ) {}

  /** Checks the instance answers and accepts the credential (lists its published templates). */
  async checkConnection(): Promise<void> {
    await this.call('GET', '/api/v1/templates');
  }

  async publishTemplate(name: string, version: PublishedTemplateInput): Promise<void> {
    await this.call('PUT', `/api/v1/templates/${encodeURIComponent(name)}`, version);
  }

  async unpublishTemplate(name: string): Promise<void> {
    await this.call('DELETE', `/api/v1/templates/${encodeURIComponent(name)}`);
  }

  /**
   * The archive page after `after`, acknowledging `ack` (what control has stored; null: nothing),
   * so that the next page can be read while this one is stored.
   */
  async readArchive(after: string | null, ack: string | null, limit: number): Promise<ArchivePage> {
    const query = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}), ack: ack ?? '' });
    const body = await this.call('GET', `/api/v1/archive?${query.toString()}`);
    const parsed = archivePageSchema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new ExecutionCallError(`the archive feed answered an unexpected page (${problems.join('; ')})`);
    }
    return parsed.data;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const { url } = this.endpoint;
    if (!isAllowedExecutionUrl(url, this.options.allowedHosts)) {
      throw new ExecutionCallError(`${url} is not on the allow-list of execution-instance hosts (MC_EXECUTION_URL_ALLOW)`);
    }
    const where = `${method} ${path.split('?')[0] ?? path} on ${url}`;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(new URL(path, url), {
        method,
        redirect: 'manual',
        headers: {
          authorization: `Bearer ${this.endpoint.credential}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (thrown) {
      throw new ExecutionCallError(`${where}: ${unreachableReason(thrown, this.options.timeoutMs)}`);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const redirect = response.status >= 300 && response.status < 400 ? ' (a redirect, which is not followed)' : '';
      throw new ExecutionCallError(`${where} answered ${response.status}${redirect}`, response.status);
    }
    let text: string;
    try {
      text = await readLimited(response, MAX_ANSWER_BYTES);
    } catch (thrown) {
      throw new ExecutionCallError(`${where}: ${thrown instanceof AnswerTooLargeError ? thrown.message : unreachableReason(thrown, this.options.timeoutMs)}`);
    }
    try {
      return text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      throw new ExecutionCallError(`${where} answered ${response.status} with a body that is not JSON`);
    }
  }
}

class AnswerTooLargeError extends Error {}

/** The body as text, refusing (without reading on) one larger than `maxBytes`. */
async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new AnswerTooLargeError(`the answer is larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!response.body) return '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new AnswerTooLargeError(`the answer is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Registration's connection test, as an operator-facing 4xx (never with what the peer answered). */
export async function assertReachable(client: ExecutionClient, registration: { url: string }, allowedHosts: readonly string[] | undefined): Promise<void> {
  const { url } = registration;
  if (!isAllowedExecutionUrl(url, allowedHosts)) {
    throw new AppError('validation_failed', `${url} is not on the allow-list of execution-instance hosts.`, {
      fieldErrors: [{ path: 'url', message: 'is not on the allow-list (MC_EXECUTION_URL_ALLOW)' }],
    });
  }
  try {
    await client.checkConnection();
  } catch (thrown) {
    if (thrown instanceof ExecutionCallError && (thrown.status === 401 || thrown.status === 403)) {
      throw new AppError('validation_failed', `The execution instance at ${url} refused the credential.`, {
        fieldErrors: [{ path: 'credential', message: `was refused by the instance (${thrown.status})` }],
      });
    }
    throw new AppError('validation_failed', `The execution instance at ${url} cannot be reached: ${coerceError(thrown).message}.`, {
      fieldErrors: [{ path: 'url', message: 'is unreachable or not an execution instance' }],
    });
  }
}
