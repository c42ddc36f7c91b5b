import { z } from 'zod';
import { AppError, DEFAULT_PRODUCER, coerceError, type PublishedTemplateInput } from '@mc/domain';

/** An execution instance as the control instance reaches it: its URL and its `control` credential. */
export interface ExecutionEndpoint {
  url: string;
  credential: string;
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

const dateTime = z.coerce.date();
const archivedDeliverySchema = z.object({
  id: z.string(),
  channel: z.enum(['email', 'sms']),
  status: z.string(),
  recipient: z.string(),
  templateName: z.string(),
  templateVersion: z.number().int(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  createdAt: dateTime,
  updatedAt: dateTime,
  sentAt: dateTime.nullable(),
});
const archivedEventSchema = z.object({
  id: z.string(),
  /** Instances from before producers existed do not send it: their events are the default producer's. */
  producer: z.string().default(DEFAULT_PRODUCER),
  kind: z.string(),
  type: z.string(),
  channel: z.enum(['email', 'sms']),
  email: z.string().nullable(),
  mobilePhone: z.string().nullable(),
  externalId: z.string().nullable(),
  status: z.string(),
  statusReason: z.string().nullable(),
  templateName: z.string().nullable(),
  templateVersion: z.number().int().nullable(),
  attempts: z.number().int(),
  scheduledAt: dateTime.nullable(),
  expiresAt: dateTime.nullable(),
  createdAt: dateTime,
  updatedAt: dateTime,
  linkedAt: dateTime.nullable(),
  deliveries: z.array(archivedDeliverySchema),
});
/** A feed page is parsed at the edge like any input: the inside trusts it. */
export const archivePageSchema = z.object({
  events: z.array(archivedEventSchema),
  nextCursor: z.string().nullable(),
  caughtUp: z.boolean(),
});
export type ArchivePageData = z.output<typeof archivePageSchema>;
export type ArchivedEventData = z.output<typeof archivedEventSchema>;

/** The control instance's calls to one execution instance. */
export class ExecutionClient {
  constructor(
    private readonly endpoint: ExecutionEndpoint,
    private readonly timeoutMs: number,
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

  async readArchive(after: string | null, limit: number): Promise<ArchivePageData> {
    const query = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) });
    const body = await this.call('GET', `/api/v1/archive?${query.toString()}`);
    const parsed = archivePageSchema.safeParse(body);
    if (!parsed.success) throw new ExecutionCallError(`the archive feed answered an unexpected page: ${parsed.error.message.slice(0, 300)}`);
    return parsed.data;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.endpoint.url), {
        method,
        headers: {
          authorization: `Bearer ${this.endpoint.credential}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (thrown) {
      throw new ExecutionCallError(`${this.endpoint.url} is unreachable: ${coerceError(thrown).message}`);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new ExecutionCallError(`${method} ${path} on ${this.endpoint.url} answered ${response.status}: ${text.slice(0, 300)}`, response.status);
    }
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}

/** Registration's connection test, as an operator-facing 4xx. */
export async function assertReachable(client: ExecutionClient, url: string): Promise<void> {
  try {
    await client.checkConnection();
  } catch (thrown) {
    if (thrown instanceof ExecutionCallError && (thrown.status === 401 || thrown.status === 403)) {
      throw new AppError('validation_failed', `The execution instance at ${url} refused the credential.`, {
        fieldErrors: [{ path: 'credential', message: `was refused by the instance (${thrown.status})` }],
      });
    }
    throw new AppError('validation_failed', `The execution instance at ${url} cannot be reached: ${coerceError(thrown).message}`, {
      fieldErrors: [{ path: 'url', message: 'is unreachable or not an execution instance' }],
    });
  }
}
