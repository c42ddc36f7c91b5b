export interface JsonAnswer {
  status: number;
  // `any` on purpose: a test reads the JSON answer freely; its assertions are the type check.
  body: any;
  headers: Headers;
}

/** One HTTP call as tests make them: bearer token (or none), JSON in (a string is sent as is), JSON out. */
export async function jsonRequest(baseUrl: string, method: string, path: string, body: unknown, token: string | null): Promise<JsonAnswer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** The `Authorization` header of HTTP basic auth. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
