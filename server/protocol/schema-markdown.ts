/** A JSON Schema node, as `z.toJSONSchema` writes them (only what the renderer reads). */
export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
}

const SAFE = Number.MAX_SAFE_INTEGER;
const code = (v: unknown) => `\`${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)}\``;

/** A link to a shared shape's section (the reference lists each once, under "Shapes"). */
export const shapeLink = (name: string): string => `[\`${name}\`](#${name.toLowerCase()})`;

/** A one-line type: `string, 1-64 chars`, `integer ≥ 0`, `'a' | 'b'`, `X or null`. */
export function typeOf(s: JsonSchema): string {
  if (s.$ref) return shapeLink(s.$ref.split('/').at(-1) ?? s.$ref);
  if (s.const !== undefined) return code(s.const);
  if (s.enum) return s.enum.map(code).join(' \\| ');
  const variants = s.anyOf ?? s.oneOf;
  if (variants) {
    const nullable = variants.some((v) => v.type === 'null');
    const rest = variants.filter((v) => v.type !== 'null');
    const inner = rest.length === 1 && rest[0] ? typeOf(rest[0]) : 'one of the forms below';
    return nullable ? `${inner} or null` : inner;
  }
  const types = Array.isArray(s.type) ? s.type : [s.type ?? 'any'];
  const nullable = types.includes('null');
  const base = types.find((t) => t !== 'null') ?? 'null';
  let text: string;
  if (base === 'string') text = stringType(s);
  else if (base === 'integer' || base === 'number') text = numberType(base, s);
  else if (base === 'array')
    text = `array${s.items ? ` of ${typeOf(s.items)}` : ''}${itemBounds(s)}`;
  else if (base === 'object')
    text =
      !s.properties && typeof s.additionalProperties === 'object'
        ? `map of string to ${typeOf(s.additionalProperties)}`
        : 'object';
  else text = base;
  return nullable && base !== 'null' ? `${text} or null` : text;
}

function stringType(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.minLength !== undefined && s.maxLength !== undefined)
    parts.push(`${s.minLength}-${s.maxLength} characters`);
  else if (s.maxLength !== undefined) parts.push(`at most ${s.maxLength} characters`);
  else if (s.minLength !== undefined) parts.push(`at least ${s.minLength} characters`);
  if (s.pattern) parts.push(`pattern \`${s.pattern}\``);
  if (s.format) parts.push(s.format);
  return parts.length > 0 ? `string (${parts.join(', ')})` : 'string';
}

function numberType(base: string, s: JsonSchema): string {
  const bounds: string[] = [];
  if (s.exclusiveMinimum !== undefined) bounds.push(`> ${s.exclusiveMinimum}`);
  else if (s.minimum !== undefined && s.minimum > -SAFE) bounds.push(`≥ ${s.minimum}`);
  if (s.exclusiveMaximum !== undefined) bounds.push(`< ${s.exclusiveMaximum}`);
  else if (s.maximum !== undefined && s.maximum < SAFE) bounds.push(`≤ ${s.maximum}`);
  return bounds.length > 0 ? `${base} ${bounds.join(' and ')}` : base;
}

function itemBounds(s: JsonSchema): string {
  if (s.maxItems !== undefined) return `, at most ${s.maxItems}`;
  if (s.minItems !== undefined) return `, at least ${s.minItems}`;
  return '';
}

/** The object a schema describes fields of: itself, or the object inside an array or nullable. */
function objectOf(s: JsonSchema): JsonSchema | undefined {
  if (s.properties) return s;
  if (s.items) return objectOf(s.items);
  const variants = (s.anyOf ?? s.oneOf)?.filter((v) => v.type !== 'null');
  if (variants?.length === 1 && variants[0]) return objectOf(variants[0]);
  return undefined;
}

/** The forms of a union of objects, each named by the field whose constant tells them apart. */
function formsOf(s: JsonSchema): JsonSchema[] | undefined {
  const inner = s.items ?? s;
  const variants = (inner.anyOf ?? inner.oneOf)?.filter((v) => v.type !== 'null');
  if (!variants || variants.length < 2 || !variants.every((v) => v.properties)) return undefined;
  return variants;
}

function formName(v: JsonSchema): string {
  const tag = Object.entries(v.properties ?? {}).find(([, p]) => p.const !== undefined);
  return tag ? `\`${tag[0]}: ${code(tag[1].const).slice(1, -1)}\`` : 'form';
}

/** A schema as a Markdown list of its fields, nested, with types, constraints and notes. */
export function fieldList(s: JsonSchema, depth = 0): string[] {
  const pad = '  '.repeat(depth);
  const forms = formsOf(s);
  if (forms)
    return forms.flatMap((v) => [
      `${pad}- one form, ${formName(v)}${v.description ? `: ${v.description}` : ''}`,
      ...fieldList(v, depth + 1),
    ]);
  const object = objectOf(s);
  if (!object?.properties) return [];
  const required = new Set(object.required ?? []);
  const lines: string[] = [];
  for (const [name, field] of Object.entries(object.properties)) {
    const notes: string[] = [];
    if (!required.has(name)) notes.push('optional');
    if (field.default !== undefined) notes.push(`default ${code(field.default)}`);
    const note = notes.length > 0 ? ` (${notes.join(', ')})` : '';
    const about = field.description ? ` — ${field.description}` : '';
    lines.push(`${pad}- \`${name}\`: ${typeOf(field)}${note}${about}`);
    lines.push(...fieldList(field, depth + 1));
  }
  return lines;
}
