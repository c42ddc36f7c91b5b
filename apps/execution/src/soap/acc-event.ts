import type { EventKind } from '@mc/domain';
import { local, serializeXml, type XmlElement } from './xml';

/**
 * The Campaign Classic event XML (`<rtEvent type="…" email="…" wishedChannel="0"><ctx>…</ctx></rtEvent>`)
 * as our event input, field by field (ACC-COMPAT.md, "The event XML → our event"). The input is
 * then validated like any other; `FIELD_OF_INPUT` names the XML origin of each field in faults.
 */
export interface AccEvent {
  kind: EventKind;
  input: Record<string, unknown>;
  /** The attributes our event has no field for (`origin`, `language`, …), as strings. */
  attributes: Record<string, string>;
  /** The `<ctx>` element as received (XML), or null. */
  ctxXml: string | null;
}

/** Our input field → the XML it came from, for the faults' field names. */
export const FIELD_OF_INPUT: Record<string, string> = {
  type: '@type',
  email: '@email',
  mobilePhone: '@mobilePhone',
  channel: '@wishedChannel',
  externalId: '@externalId',
  scheduledAt: '@scheduled',
  expiresAt: '@expiration',
  ctx: 'ctx',
};

const MAPPED = new Set(['type', 'email', 'mobilePhone', 'wishedChannel', 'externalId', 'scheduled', 'expiration']);

/** Namespace declarations and `xsi:*`, `xtkschema`: markup, not data. */
function isMarkup(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:') || name.startsWith('xsi:') || name === 'xtkschema';
}

/** `0`/`email` → email, `1`/`sms` → sms; anything else is kept as given (and refused by validation). */
function channelOf(wished: string | undefined): string | undefined {
  if (wished === undefined || wished === '') return undefined;
  const value = wished.trim().toLowerCase();
  if (value === '0' || value === 'email') return 'email';
  if (value === '1' || value === 'sms' || value === 'mobile') return 'sms';
  return value;
}

/** ACC's `2030-01-02 03:04:05.000Z` (or ISO 8601 as is) → ISO 8601. */
function dateOf(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const acc = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  return acc ? `${acc[1]}T${acc[2]}${acc[3] ?? 'Z'}` : value.trim();
}

/**
 * `<ctx>` as JSON, the way a template written for ACC reads it (`ctx.client.firstname`):
 * attributes are string properties; a text-only element is its text (`""` when empty); an element
 * with attributes or children is an object (its own non-blank text under `$`); repeated siblings
 * are an array, a single one stays an object (templates use `asArray`). No type coercion.
 */
export function ctxValueOf(element: XmlElement): unknown {
  const object: Record<string, unknown> = {};
  let fields = 0;
  // A name seen twice becomes an array; `repeated` tells those arrays from values that are arrays.
  const repeated = new Set<string>();
  const add = (name: string, value: unknown) => {
    fields += 1;
    // Own properties only, as JSON.parse makes them: an element named __proto__ is data, not a prototype.
    if (!Object.hasOwn(object, name)) Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
    else if (repeated.has(name)) (object[name] as unknown[]).push(value);
    else {
      object[name] = [object[name], value];
      repeated.add(name);
    }
  };
  for (const name in element.attributes) if (!isMarkup(name)) add(local(name), element.attributes[name]);
  for (const child of element.children) add(local(child.name), ctxValueOf(child));
  if (fields === 0) return element.text;
  if (element.text.trim() !== '') object.$ = element.text;
  return object;
}

/** One event element of a PushEvent or PushEvents; `serviceKind` decides when its root name does not. */
export function accEventOf(element: XmlElement, serviceKind: EventKind): AccEvent {
  const rootName = local(element.name);
  const kind: EventKind = rootName === 'rtEvent' ? 'rt' : rootName === 'batchEvent' ? 'batch' : serviceKind;
  const attribute = (name: string) => element.attributes[name];
  const ctxElement = element.children.find((child) => local(child.name) === 'ctx');
  const ctxValue = ctxElement ? ctxValueOf(ctxElement) : undefined;
  const input: Record<string, unknown> = {
    type: attribute('type'),
    channel: channelOf(attribute('wishedChannel')),
    email: attribute('email') || undefined,
    mobilePhone: attribute('mobilePhone') || undefined,
    externalId: attribute('externalId') || undefined,
    scheduledAt: dateOf(attribute('scheduled')),
    expiresAt: dateOf(attribute('expiration')),
    ctx: ctxValue === undefined ? undefined : typeof ctxValue === 'string' ? (ctxValue.trim() ? { $: ctxValue } : {}) : ctxValue,
  };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  // An SMS event names its number only: its channel follows when wishedChannel is absent.
  if (input.channel === undefined && input.email === undefined && input.mobilePhone !== undefined) input.channel = 'sms';
  const attributes = Object.fromEntries(Object.entries(element.attributes).filter(([name]) => !MAPPED.has(name) && !isMarkup(name)));
  return { kind, input, attributes, ctxXml: ctxElement ? serializeXml(ctxElement) : null };
}
