// A small renderer for the subset of Go templates the paddock-runner chart keeps to, so the chart's
// consistency tests can render it without a `helm` binary. It is strict where Helm is lenient: a
// `.Values` path that does not exist is an error, not "<no value>". Supported: text/trim markers,
// comments, `define`/`include`, `if`/`else`/`end`, `.Values`/`.Release`/`.Chart` fields, string and
// number literals, parentheses, pipelines, and the functions in `functions` below (Sprig's trunc and
// trimSuffix among them, for names that must stay within 63 characters).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

type Scope = { Values: unknown; Release: Record<string, unknown>; Chart: Record<string, unknown> };
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; expr: string }
  | { kind: 'if'; cond: string; whenTrue: Node[]; otherwise: Node[] };

/** Splits a template into text and actions, applying `{{-` and `-}}` trim markers. */
function lex(source: string): ({ kind: 'text'; text: string } | { kind: 'action'; body: string })[] {
  const parts: ({ kind: 'text'; text: string } | { kind: 'action'; body: string })[] = [];
  const re = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    let text = source.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1]) text = text.replace(/\s+$/, '');
    parts.push({ kind: 'text', text });
    parts.push({ kind: 'action', body: m[2]!.trim() });
    trimNext = Boolean(m[3]);
    last = re.lastIndex;
  }
  let tail = source.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  parts.push({ kind: 'text', text: tail });
  return parts;
}

/** Parses a template into nodes and the `define`d templates it holds. */
function parseTemplate(source: string, defines: Map<string, Node[]>): Node[] {
  const root: Node[] = [];
  // Each frame: the list being filled and, for `if`, the node (to switch to `otherwise` on `else`).
  const stack: { list: Node[]; node?: Extract<Node, { kind: 'if' }>; define?: string }[] = [{ list: root }];
  for (const part of lex(source)) {
    const top = stack.at(-1)!;
    if (part.kind === 'text') {
      if (part.text !== '') top.list.push({ kind: 'text', text: part.text });
      continue;
    }
    const body = part.body;
    if (body.startsWith('/*')) continue;
    const define = /^define\s+"([^"]+)"$/.exec(body);
    if (define) {
      const list: Node[] = [];
      defines.set(define[1]!, list);
      stack.push({ list, define: define[1]! });
    } else if (body.startsWith('if ')) {
      const node: Extract<Node, { kind: 'if' }> = { kind: 'if', cond: body.slice(3).trim(), whenTrue: [], otherwise: [] };
      top.list.push(node);
      stack.push({ list: node.whenTrue, node });
    } else if (body === 'else') {
      if (!top.node) throw new Error('else outside if');
      top.list = top.node.otherwise;
    } else if (body === 'end') {
      if (stack.length === 1) throw new Error('end without a block');
      stack.pop();
    } else if (/^(range|with|template|block|else if)\b/.test(body)) {
      throw new Error(`"${body}" is outside the subset this renderer supports`);
    } else {
      top.list.push({ kind: 'output', expr: body });
    }
  }
  if (stack.length !== 1) throw new Error('unclosed block');
  return root;
}

// ---- expressions ----

type Token = { t: 'str' | 'num' | 'field' | 'ident' | '(' | ')' | '|'; v: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|(\.[A-Za-z0-9_.]*)|([A-Za-z_][A-Za-z0-9_]*)|([()|]))/y;
  let pos = 0;
  while (pos < expr.length) {
    if (/^\s*$/.test(expr.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(expr);
    if (!m) throw new Error(`cannot parse "${expr}" at ${pos}`);
    pos = re.lastIndex;
    if (m[1]) tokens.push({ t: 'str', v: JSON.parse(m[1]) as string });
    else if (m[2]) tokens.push({ t: 'num', v: m[2] });
    else if (m[3]) tokens.push({ t: 'field', v: m[3] });
    else if (m[4]) tokens.push({ t: 'ident', v: m[4] });
    else tokens.push({ t: m[5] as '(' | ')' | '|', v: m[5]! });
  }
  return tokens;
}

type Fn = (...args: unknown[]) => unknown;

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') throw new Error('cannot print a map or list (toYaml is outside the subset)');
  return String(v);
}

class Renderer {
  readonly defines = new Map<string, Node[]>();
  readonly functions: Record<string, Fn> = {
    quote: (v) => JSON.stringify(toText(v)),
    default: (fallback, v) => (truthy(v) ? v : fallback),
    required: (message, v) => {
      if (v === null || v === undefined || v === '') throw new Error(`required: ${String(message)}`);
      return v;
    },
    b64enc: (v) => Buffer.from(toText(v)).toString('base64'),
    nindent: (n, v) => `\n${indent(Number(n), toText(v))}`,
    indent: (n, v) => indent(Number(n), toText(v)),
    not: (v) => !truthy(v),
    trunc: (n, v) => toText(v).slice(0, Number(n)),
    trimSuffix: (suffix, v) => {
      const t = toText(v);
      const x = toText(suffix);
      return x && t.endsWith(x) ? t.slice(0, -x.length) : t;
    },
    printf: (format, ...args) => {
      let i = 0;
      return String(format).replace(/%[sdv]/g, () => toText(args[i++]));
    },
  };

  constructor(readonly scope: Scope) {}

  render(nodes: Node[], dot: unknown): string {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'output') out += toText(this.evaluate(node.expr, dot));
      else out += this.render(truthy(this.evaluate(node.cond, dot)) ? node.whenTrue : node.otherwise, dot);
    }
    return out;
  }

  evaluate(expr: string, dot: unknown): unknown {
    const tokens = tokenize(expr);
    const value = this.pipeline(tokens, dot);
    if (tokens.length > 0) throw new Error(`unexpected "${tokens[0]!.v}" in "${expr}"`);
    return value;
  }

  private pipeline(tokens: Token[], dot: unknown): unknown {
    let value = this.command(tokens, dot, undefined, false);
    while (tokens[0]?.t === '|') {
      tokens.shift();
      value = this.command(tokens, dot, value, true);
    }
    return value;
  }

  private command(tokens: Token[], dot: unknown, piped: unknown, hasPiped: boolean): unknown {
    const first = tokens[0];
    if (!first) throw new Error('empty command');
    if (first.t === 'ident' && first.v !== 'true' && first.v !== 'false') {
      tokens.shift();
      const args: unknown[] = [];
      while (tokens.length > 0 && tokens[0]!.t !== '|' && tokens[0]!.t !== ')') args.push(this.operand(tokens, dot));
      if (hasPiped) args.push(piped);
      if (first.v === 'include') return this.include(String(args[0]), args[1]);
      const fn = this.functions[first.v];
      if (!fn) throw new Error(`function "${first.v}" is outside the subset this renderer supports`);
      return fn(...args);
    }
    if (hasPiped) throw new Error('a piped value needs a function');
    return this.operand(tokens, dot);
  }

  private operand(tokens: Token[], dot: unknown): unknown {
    const token = tokens.shift()!;
    switch (token.t) {
      case 'str':
        return token.v;
      case 'num':
        return Number(token.v);
      case 'ident':
        return token.v === 'true';
      case 'field':
        return token.v === '.' ? dot : lookup(dot, token.v.slice(1).split('.'), token.v);
      case '(': {
        const value = this.pipeline(tokens, dot);
        if (tokens.shift()?.t !== ')') throw new Error('missing )');
        return value;
      }
      default:
        throw new Error(`unexpected "${token.v}"`);
    }
  }

  include(name: string, dot: unknown): string {
    const nodes = this.defines.get(name);
    if (!nodes) throw new Error(`no template named "${name}"`);
    return this.render(nodes, dot);
  }
}

function lookup(from: unknown, path: string[], full: string): unknown {
  let v = from;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !(key in v)) throw new Error(`${full} does not exist`);
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function indent(n: number, text: string): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

// ---- chart ----

/** Applies Helm's `--set a.b=c` to values, typing the value as Helm does (int, bool, null, string). */
export function applySet(values: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  const path = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1).replace(/\\(.)/g, '$1');
  const typed: unknown = /^-?\d+$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw === 'null' ? null : raw;
  let target = values;
  for (const key of path.slice(0, -1)) {
    if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[path.at(-1)!] = typed;
}

export type RenderedChart = { manifests: Map<string, string>; documents: Record<string, unknown>[]; notes: string };

/** Renders the chart at `chartDir` as `helm template <release> --namespace <namespace> --set …` would. */
export function renderChart(chartDir: string, release: string, namespace: string, sets: string[]): RenderedChart {
  const values = parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  for (const s of sets) applySet(values, s);
  const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const renderer = new Renderer({
    Values: values,
    Release: { Name: release, Namespace: namespace, Service: 'Helm', IsUpgrade: false, IsInstall: true },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  });
  const dir = join(chartDir, 'templates');
  const files = readdirSync(dir).sort();
  const parsed = new Map<string, Node[]>();
  for (const file of files) parsed.set(file, parseTemplate(readFileSync(join(dir, file), 'utf8'), renderer.defines));
  const dot = renderer.scope;
  const manifests = new Map<string, string>();
  let notes = '';
  for (const [file, nodes] of parsed) {
    if (file.startsWith('_')) continue;
    const text = renderer.render(nodes, dot);
    if (file === 'NOTES.txt') notes = text;
    else manifests.set(file, text);
  }
  const documents: Record<string, unknown>[] = [];
  for (const text of manifests.values()) {
    for (const doc of text.split(/^---$/m)) {
      // As Helm and kubectl read manifests: YAML 1.1 (0440 is octal, an unquoted yes is true).
      const parsedDoc = parseYaml(doc, { version: '1.1' }) as Record<string, unknown> | null;
      if (parsedDoc) documents.push(parsedDoc);
    }
  }
  return { manifests, documents, notes };
}
