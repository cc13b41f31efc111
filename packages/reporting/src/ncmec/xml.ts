import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { NcmecValidationError } from './errors.js';

/** An XML element as the validator and the serializer see it: no mixed content, no namespaces. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Child elements in document order (empty for a text-only element). */
  readonly children: readonly XmlElement[];
  /** The element's text, decoded; undefined when it has element children or nothing at all. */
  readonly text: string | undefined;
}

export function element(
  name: string,
  content: readonly XmlElement[] | string | undefined,
  attributes: Record<string, string | undefined> = {},
): XmlElement {
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) attrs[key] = value;
  return typeof content === 'string' || content === undefined
    ? { name, attributes: attrs, children: [], text: content }
    : { name, attributes: attrs, children: content, text: undefined };
}

/**
 * Characters XML 1.0 allows (production [2] Char): tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and
 * U+10000-U+10FFFF. Everything else (other C0 controls, lone surrogates, U+FFFE, U+FFFF) cannot
 * appear in a document at all, not even as a character reference.
 */
const FORBIDDEN = new RegExp(
  [
    // C0 controls other than tab, LF and CR; U+FFFE and U+FFFF (built from code points: no literal controls)
    `[${String.fromCharCode(0)}-${String.fromCharCode(8)}${String.fromCharCode(11)}${String.fromCharCode(12)}${String.fromCharCode(14)}-${String.fromCharCode(31)}\uFFFE\uFFFF]`,
    // a high surrogate not followed by a low one, a low one not preceded by a high one
    '[\uD800-\uDBFF](?![\uDC00-\uDFFF])',
    '(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]',
  ].join('|'),
  'g',
);

/** The forbidden characters of `value` as U+XXXX code points, in order (empty when clean). */
export function forbiddenXmlCharacters(value: string): string[] {
  return [...value.matchAll(FORBIDDEN)].map(
    (m) => `U+${(m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

/** `value` without the characters XML 1.0 forbids. */
export function removeForbiddenXmlCharacters(value: string): string {
  return value.replace(FORBIDDEN, '');
}

/** Escapes character data: `&`, `<` and `>` (so `]]>` can never appear), CR as a reference so it survives. */
export function escapeXmlText(value: string): string {
  return value.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;',
  );
}

/** Escapes an attribute value (double-quoted); tab, LF and CR as references so normalisation keeps them. */
export function escapeXmlAttribute(value: string): string {
  return value.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case '\t':
        return '&#9;';
      case '\n':
        return '&#10;';
      default:
        return '&#13;';
    }
  });
}

function assertClean(value: string, field: string): void {
  const bad = forbiddenXmlCharacters(value);
  if (bad.length > 0) {
    throw new NcmecValidationError([
      {
        code: 'XML_FORBIDDEN_CHARACTER',
        field,
        message: `${field} contains ${bad.join(', ')}, which XML 1.0 does not allow`,
      },
    ]);
  }
}

/**
 * The document for `root`: an XML declaration and the elements, indented by two spaces. Text and
 * attribute values are escaped here and nowhere else; a forbidden character is refused
 * (XML_FORBIDDEN_CHARACTER), never written.
 */
export function serializeXml(root: XmlElement): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  const write = (el: XmlElement, depth: number, path: string): void => {
    const here = path ? `${path}/${el.name}` : el.name;
    const indent = '  '.repeat(depth);
    let open = `<${el.name}`;
    for (const [key, value] of Object.entries(el.attributes)) {
      assertClean(value, `${here}/@${key}`);
      open += ` ${key}="${escapeXmlAttribute(value)}"`;
    }
    if (el.children.length > 0) {
      out.push(`${indent}${open}>\n`);
      for (const child of el.children) write(child, depth + 1, here);
      out.push(`${indent}</${el.name}>\n`);
    } else if (el.text !== undefined && el.text !== '') {
      assertClean(el.text, here);
      out.push(`${indent}${open}>${escapeXmlText(el.text)}</${el.name}>\n`);
    } else {
      out.push(`${indent}${open}/>\n`);
    }
  };
  write(root, 0, '');
  return out.join('');
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: '#comment',
});

type OrderedNode = Record<string, unknown>;

function malformed(message: string): NcmecValidationError {
  return new NcmecValidationError([{ code: 'XML_MALFORMED', field: '(document)', message }]);
}

function toElement(node: OrderedNode): XmlElement | undefined {
  const name = Object.keys(node).find((key) => key !== ':@');
  if (name === undefined || name === '#text' || name === '#comment' || name.startsWith('?')) return undefined;
  const attributes = (node[':@'] as Record<string, string> | undefined) ?? {};
  const content = (node[name] as OrderedNode[]) ?? [];
  const children: XmlElement[] = [];
  let text = '';
  let hasText = false;
  for (const part of content) {
    if ('#text' in part) {
      text += String(part['#text']);
      hasText = true;
    } else {
      const child = toElement(part);
      if (child) children.push(child);
    }
  }
  if (children.length > 0) {
    if (text.trim() !== '') throw malformed(`<${name}> mixes text with elements`);
    return { name, attributes, children, text: undefined };
  }
  return { name, attributes, children, text: hasText ? text : undefined };
}

/**
 * Parses a document into elements. Refuses (XML_MALFORMED) anything not well-formed, a DOCTYPE (no
 * entity expansion), raw characters XML 1.0 forbids and more than one root. Character references
 * are decoded; whether they name allowed characters is the validator's check.
 */
export function parseXml(xml: string): XmlElement {
  if (/<!DOCTYPE/i.test(xml)) throw malformed('a DOCTYPE is not accepted');
  const bad = forbiddenXmlCharacters(xml);
  if (bad.length > 0)
    throw malformed(`the document contains ${bad.join(', ')}, which XML 1.0 does not allow`);
  for (const ref of xml.matchAll(/&#(x[0-9a-fA-F]+|[0-9]+);/g)) {
    const digits = ref[1]!;
    const point = digits.startsWith('x') ? Number.parseInt(digits.slice(1), 16) : Number.parseInt(digits, 10);
    const allowed =
      point === 0x9 ||
      point === 0xa ||
      point === 0xd ||
      (point >= 0x20 && point <= 0xd7ff) ||
      (point >= 0xe000 && point <= 0xfffd) ||
      (point >= 0x10000 && point <= 0x10ffff);
    if (!allowed)
      throw malformed(`the character reference ${ref[0]} names a character XML 1.0 does not allow`);
  }
  const verdict = XMLValidator.validate(xml);
  if (verdict !== true) throw malformed(`not well-formed XML: ${verdict.err.msg} (line ${verdict.err.line})`);
  const nodes = parser.parse(xml) as OrderedNode[];
  const roots = nodes.map(toElement).filter((el): el is XmlElement => el !== undefined);
  if (roots.length !== 1 || !roots[0]) throw malformed(`expected one root element, found ${roots.length}`);
  return roots[0];
}
