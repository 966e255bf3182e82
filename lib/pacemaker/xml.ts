/**
 * Reading the `--output-as=xml` form the Pacemaker tools print (`<pacemaker-result>`), with
 * xml2js. Elements come back as plain objects: attributes under `$`, children by name in arrays.
 */
import { ToolOutputError } from './errors';

export interface XmlElement {
  $?: Record<string, string>;
  _?: string;
  [child: string]: unknown;
}

export function attr(element: XmlElement, name: string): string | undefined {
  return element.$?.[name];
}

export function children(element: XmlElement, name: string): XmlElement[] {
  const value = element[name];
  if (!Array.isArray(value)) return [];
  // xml2js gives a bare string for a child with neither attributes nor children.
  return value.map((item: unknown) => (typeof item === 'string' ? { _: item } : (item as XmlElement)));
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return children(element, name)[0];
}

/** `"true"` → true; anything else → false (Pacemaker prints booleans as true/false). */
export function boolAttr(element: XmlElement, name: string): boolean {
  return attr(element, name) === 'true';
}

export function looksLikeXml(text: string): boolean {
  return text.trimStart().startsWith('<');
}

/** Parses a `<pacemaker-result>` document; anything else is a ToolOutputError naming the tool. */
export async function parsePacemakerResult(tool: string, xml: string): Promise<XmlElement> {
  // Loaded on first use: writes (attrd_updater -U) never parse XML, and xml2js costs start-up time.
  const { parseStringPromise } = await import('xml2js');
  let document: unknown;
  try {
    document = await parseStringPromise(xml, { explicitArray: true });
  } catch (error) {
    throw new ToolOutputError(tool, `malformed XML: ${(error as Error).message.split('\n')[0]}`, xml);
  }
  const root = (document as Record<string, unknown> | null)?.['pacemaker-result'];
  if (root === undefined || typeof root !== 'object' || root === null) {
    throw new ToolOutputError(tool, 'no <pacemaker-result> element', xml);
  }
  return root as XmlElement;
}

/** The `<status code=…>` of a result, or undefined when the tool printed none. */
export function resultStatus(result: XmlElement): { code: number; message: string } | undefined {
  const status = child(result, 'status');
  const code = status ? Number(attr(status, 'code')) : Number.NaN;
  if (!status || !Number.isInteger(code)) return undefined;
  return { code, message: attr(status, 'message') ?? '' };
}
