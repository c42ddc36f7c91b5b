import { childElements, escapeXml, local, namespaceOf, parseXml, XmlSyntaxError, type XmlElement } from './xml';

/** A SOAP call as Campaign Classic producers make it, read without caring for prefixes or `xsi:type`. */
export interface SoapCall {
  /** `nms:rtEvent`, `xtk:session`, … */
  service: string;
  method: string;
  /** The first parameter, always there (empty when the credential comes another way). */
  sessionToken: string;
  /** The other parameters, in order: they are positional (callers name them differently). */
  params: XmlElement[];
  /** `<X-Security-Token>` of the SOAP Header, if any. */
  securityToken?: string;
  /** `<Cookie>__sessiontoken=…</Cookie>` of the SOAP Header, if any. */
  cookie?: string;
}

/** A refusal, answered as a SOAP fault (faultcode, faultstring, detail). */
export class SoapFault extends Error {
  override readonly name = 'SoapFault';
  constructor(
    readonly faultstring: string,
    readonly detail: string,
    readonly faultcode: 'SOAP-ENV:Client' | 'SOAP-ENV:Server' = 'SOAP-ENV:Client',
    /** An HTTP status of its own (413, 429), else the configured fault status; and headers to send with it. */
    readonly http?: { status: number; headers?: Record<string, string> },
  ) {
    super(`${faultstring} ${detail}`);
  }
}

/** `"nms:rtEvent#PushEvent"`, `urn:nms:rtEvent#PushEvent`, `nms:rtEvent#PushEvent` → service and method. */
function actionOf(value: string | undefined): { service: string; method: string } | undefined {
  const action = value?.trim().replace(/^"|"$/g, '').replace(/^urn:/, '');
  const hash = action ? action.lastIndexOf('#') : -1;
  if (!action || hash <= 0 || hash === action.length - 1) return undefined;
  return { service: action.slice(0, hash), method: action.slice(hash + 1) };
}

/**
 * Reads a request: the method from the SOAPAction header, else `?soapAction=`, else the Body's
 * first element (its namespace `urn:nms:rtEvent` and local name); its parameters by position.
 */
export function readSoapCall(body: string, soapAction: string | undefined, querySoapAction: string | undefined): SoapCall {
  let envelope: XmlElement;
  try {
    envelope = parseXml(body.replace(/^\uFEFF/, '').trimStart());
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new SoapFault(`The XML SOAP message is invalid (${error.line}:${error.column}: ${error.reason}).`, 'Check the request body: it is not well-formed XML.');
    throw error;
  }
  if (local(envelope.name) !== 'Envelope') throw new SoapFault('The XML SOAP message is invalid (no SOAP Envelope).', `The root element is <${envelope.name}>, not a SOAP Envelope.`);
  const bodyElement = childElements(envelope, 'Body')[0];
  const methodElement = bodyElement?.children[0];
  if (!methodElement) throw new SoapFault('The XML SOAP message is invalid (no method in the SOAP Body).', 'The SOAP Body is empty.');
  const urn = namespaceOf(methodElement);
  const fromBody = urn ? { service: urn.replace(/^urn:/, ''), method: local(methodElement.name) } : undefined;
  const action = actionOf(soapAction) ?? actionOf(querySoapAction) ?? fromBody;
  if (!action) throw new SoapFault('The XML SOAP message is invalid (no method).', 'Name the method in the SOAPAction header, e.g. "nms:rtEvent#PushEvent".');
  const [first, ...params] = methodElement.children;
  const header = childElements(envelope, 'Header')[0];
  const headerText = (name: string) => (header ? childElements(header, name)[0]?.text.trim() : undefined);
  return { ...action, sessionToken: first?.text.trim() ?? '', params, securityToken: headerText('X-Security-Token') || undefined, cookie: headerText('Cookie') || undefined };
}

const ENVELOPE_START =
  `<?xml version='1.0'?>\n<SOAP-ENV:Envelope xmlns:xsd='http://www.w3.org/2001/XMLSchema' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' ` +
  `xmlns:ns='urn:wpp:default' xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'><SOAP-ENV:Body>`;
const ENVELOPE_END = `</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

/** One return value, read by position by callers: its element name, `xsi:type` and content (XML for documents). */
export type SoapReturn = { name: string; type: 'xsd:string' | 'xsd:long'; value: string } | { name: string; type: 'ns:Element'; xml: string };

/** A method's answer: `<MethodResponse xmlns='urn:service'>` unprefixed (the SDK matches it literally). */
export function soapResponse(namespace: string, method: string, returns: readonly SoapReturn[] = []): string {
  const values = returns
    .map((value) => `<${value.name} xsi:type='${value.type}'>${'xml' in value ? value.xml : escapeXml(value.value)}</${value.name}>`)
    .join('');
  const response = values ? `<${method}Response xmlns='${namespace}' SOAP-ENV:encodingStyle='http://schemas.xmlsoap.org/soap/encoding/'>${values}</${method}Response>` : `<${method}Response xmlns='${namespace}' SOAP-ENV:encodingStyle='http://schemas.xmlsoap.org/soap/encoding/'/>`;
  return `${ENVELOPE_START}${response}${ENVELOPE_END}`;
}

export function soapFaultEnvelope(fault: SoapFault): string {
  return `${ENVELOPE_START}<SOAP-ENV:Fault><faultcode>${fault.faultcode}</faultcode><faultstring xsi:type='xsd:string'>${escapeXml(fault.faultstring)}</faultstring><detail xsi:type='xsd:string'>${escapeXml(fault.detail)}</detail></SOAP-ENV:Fault>${ENVELOPE_END}`;
}
