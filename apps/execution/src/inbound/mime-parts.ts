/**
 * Just enough MIME to read a report (RFC 2045/2046): headers, and the leaf parts of a multipart
 * message with their bodies decoded (base64, quoted-printable, 7bit, 8bit). A general parser
 * such as mailparser folds `message/delivery-status` into the text, losing the structure a
 * report is read by; this one keeps each part with its type. Bounded: at most MAX_DEPTH levels
 * of nesting and MAX_PARTS parts; what it cannot read it leaves out.
 */
export interface MimePart {
  /** Lower-case, without parameters: `message/delivery-status`. */
  type: string;
  headers: Headers;
  body: string;
}

/** Header fields by lower-case name, each value unfolded; the first occurrence wins. */
export type Headers = Map<string, string>;

const MAX_DEPTH = 5;
const MAX_PARTS = 50;

/** Splits header block and body at the first empty line. */
function splitHead(text: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return { head: text, body: '' };
  return { head: text.slice(0, match.index), body: text.slice(match.index + match[0].length) };
}

/** Header fields of a block (RFC 5322 unfolding). Also reads the field blocks of a delivery-status report. */
export function parseHeaders(head: string): Headers {
  const headers: Headers = new Map();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

/** `multipart/report; boundary="x"` → type and parameters (lower-case names). */
export function parseContentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const equals = param.indexOf('=');
    if (equals < 0) continue;
    params.set(param.slice(0, equals).trim().toLowerCase(), param.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    default:
      return body;
  }
}

/** The message's own headers and its leaf parts, in order (a single-part message is its one part). */
export function readMime(raw: string): { headers: Headers; parts: MimePart[] } {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const parts: MimePart[] = [];
  collect(headers, body, 0, parts);
  return { headers, parts };
}

function collect(headers: Headers, body: string, depth: number, parts: MimePart[]): void {
  if (parts.length >= MAX_PARTS) return;
  const { type, params } = parseContentType(headers.get('content-type'));
  const boundary = params.get('boundary');
  if (type.startsWith('multipart/') && boundary && depth < MAX_DEPTH) {
    const delimiter = `--${boundary}`;
    const sections = body.split(delimiter);
    // Before the first delimiter: the preamble; after the closing one (`--boundary--`): the epilogue.
    for (const section of sections.slice(1)) {
      if (section.startsWith('--')) break;
      const { head, body: inner } = splitHead(section.replace(/^[ \t]*\r?\n/, ''));
      collect(parseHeaders(head), inner, depth + 1, parts);
    }
    return;
  }
  parts.push({ type, headers, body: decodeBody(body, headers.get('content-transfer-encoding')) });
}
