import { SaxesParser } from 'saxes';

/**
 * A small, safe XML reader for the SOAP surface: elements, attributes and text only. No DTD (so
 * no entity can be declared: XXE and entity expansion are impossible), no processing instruction
 * but the declaration, at most `maxDepth` levels and `maxElements` elements. Names keep their
 * prefix (`soapenv:Body`); `local()` gives the name without it.
 */
export interface XmlElement {
  /** The qualified name as written (`urn:PushEvent`). */
  name: string;
  /** Attributes by qualified name, in document order. */
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (text and CDATA directly inside it, concatenated). */
  text: string;
  parent?: XmlElement;
}

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} (line ${line}, column ${column})`);
  }
}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributes: number;
  /** Characters of one attribute value. */
  maxAttributeLength: number;
}

const DEFAULT_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 500_000, maxAttributes: 256, maxAttributeLength: 64 * 1024 };

export function local(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function prefixOf(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? '' : name.slice(0, colon);
}

/** The namespace URI an element's prefix stands for (declared on it or an ancestor). */
export function namespaceOf(element: XmlElement): string | undefined {
  const prefix = prefixOf(element.name);
  const attribute = prefix ? `xmlns:${prefix}` : 'xmlns';
  for (let current: XmlElement | undefined = element; current; current = current.parent) {
    const uri = current.attributes[attribute];
    if (uri !== undefined) return uri;
  }
  return undefined;
}

/** Child elements, by local name when given. */
export function childElements(element: XmlElement, localName?: string): XmlElement[] {
  return localName === undefined ? element.children : element.children.filter((child) => local(child.name) === localName);
}

export function parseXml(text: string, limits: XmlLimits = DEFAULT_LIMITS): XmlElement {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let failure: XmlSyntaxError | undefined;
  const fail = (reason: string) => {
    failure ??= new XmlSyntaxError(reason, parser.line, parser.column + 1);
    throw failure;
  };
  parser.on('error', (error) => {
    // saxes writes "line:column: reason"; keep the reason, the position is ours.
    fail(error.message.replace(/^(?:[^:]*:)?\d+:\d+: /, ''));
  });
  parser.on('doctype', () => fail('a DOCTYPE is not accepted'));
  parser.on('processinginstruction', (instruction) => fail(`the processing instruction <?${instruction.target}?> is not accepted`));
  parser.on('opentag', (tag) => {
    elements += 1;
    if (elements > limits.maxElements) fail(`more than ${limits.maxElements} elements`);
    if (stack.length >= limits.maxDepth) fail(`deeper than ${limits.maxDepth} levels`);
    const attributes = tag.attributes as Record<string, string>;
    if (Object.keys(attributes).length > limits.maxAttributes) fail(`more than ${limits.maxAttributes} attributes on <${tag.name}>`);
    for (const [name, value] of Object.entries(attributes)) if (value.length > limits.maxAttributeLength) fail(`the attribute ${name} of <${tag.name}> is longer than ${limits.maxAttributeLength} characters`);
    const parent = stack[stack.length - 1];
    const element: XmlElement = { name: tag.name, attributes, children: [], text: '', parent };
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const append = (data: string) => {
    const current = stack[stack.length - 1];
    if (current) current.text += data;
  };
  parser.on('text', append);
  parser.on('cdata', append);
  try {
    parser.write(text).close();
  } catch (thrown) {
    if (thrown instanceof XmlSyntaxError) throw thrown;
    throw failure ?? new XmlSyntaxError((thrown as Error).message, parser.line, parser.column + 1);
  }
  if (!root) throw new XmlSyntaxError('no root element', parser.line, parser.column + 1);
  return root;
}

/** Text as XML writes it (quotes need no escape outside attributes). */
export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value, for either quote. */
export function escapeAttribute(value: string): string {
  return escapeXml(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** An element written back as XML (attributes and text escaped), e.g. to keep a document as received. */
export function serializeXml(element: XmlElement): string {
  const attributes = Object.entries(element.attributes)
    .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
    .join('');
  const inner = `${escapeXml(element.text)}${element.children.map(serializeXml).join('')}`;
  return inner ? `<${element.name}${attributes}>${inner}</${element.name}>` : `<${element.name}${attributes}/>`;
}
