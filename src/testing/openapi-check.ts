import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under Node's ESM loader its function is the default export's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule;

type Json = Record<string, unknown>;

/** A response as the checker sees it. */
export interface ResponseSample {
  method: string;
  /** The request's path (a query string is ignored). */
  path: string;
  status: number;
  contentType: string | null;
  /** The body as text; null when it was not read (an event stream). */
  body: string | null;
}

/** JSON-pointer escaping of one path segment. */
const pointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Checks responses against an OpenAPI 3.1 document: the operation must declare the status, the
 * content type must be one it declares, and a JSON body must match its schema (JSON Schema 2020-12,
 * formats included, with ajv). Answers what is wrong, one message per problem; empty when it matches.
 */
export class OpenApiChecker {
  private readonly ajv: Ajv2020;
  private readonly templates: Array<{ path: string; segments: string[]; params: number }>;
  private readonly compiled = new Map<string, ValidateFunction>();

  private readonly doc: Json & { paths: Record<string, Record<string, Json>> };

  constructor(document: object) {
    this.doc = document as OpenApiChecker['doc'];
    const doc = this.doc;
    // strict off: OpenAPI adds keywords of its own (example, discriminator) that are not JSON Schema's.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(doc as object, 'openapi.json');
    this.templates = Object.keys(doc.paths)
      .map((path) => {
        const segments = path.split('/');
        return { path, segments, params: segments.filter((s) => s.startsWith('{')).length };
      })
      .sort((a, b) => a.params - b.params);
  }

  /** The documented path a request path falls under, literal segments winning over parameters. */
  templateOf(path: string): string | null {
    const segments = path.split('?')[0]!.split('/');
    const hit = this.templates.find(
      (t) => t.segments.length === segments.length && t.segments.every((s, i) => (s.startsWith('{') ? segments[i] !== '' : s === segments[i])),
    );
    return hit?.path ?? null;
  }

  check(sample: ResponseSample): string[] {
    const method = sample.method.toLowerCase();
    const path = sample.path.split('?')[0]!;
    const what = `${sample.method.toUpperCase()} ${path} → ${sample.status}`;
    if (method === 'head' || method === 'options') return [];
    const template = this.templateOf(path);
    const operation = template ? this.doc.paths[template]?.[method] : undefined;
    if (!operation) {
      // Undocumented: only the API's own 404 for an unknown route is expected; pages of the console are not the API's.
      if (!path.startsWith('/api/')) return [];
      if (sample.status !== 404) return [`${what}: no such operation in the OpenAPI document, yet it did not answer 404`];
      return this.validate(what, 'openapi.json#/components/schemas/Problem', sample);
    }
    const responses = operation.responses as Record<string, Json>;
    const declared = responses[String(sample.status)];
    if (!declared) return [`${what}: the OpenAPI document does not declare ${sample.status} for ${method.toUpperCase()} ${template} (it declares ${Object.keys(responses).join(', ')})`];
    const content = declared.content as Record<string, Json> | undefined;
    const type = sample.contentType === null ? null : sample.contentType.split(';')[0]!.trim().toLowerCase();
    if (!content) {
      return sample.body ? [`${what}: the document declares no body, but one came (${type})`] : [];
    }
    if (!type || !content[type]) return [`${what}: content type ${type} is not one the document declares (${Object.keys(content).join(', ')})`];
    if (type === 'text/event-stream' || type === 'text/plain') return [];
    const ref = `openapi.json#/paths/${pointer(template!)}/${method}/responses/${sample.status}/content/${pointer(type)}/schema`;
    return this.validate(what, ref, sample);
  }

  private validate(what: string, ref: string, sample: ResponseSample): string[] {
    let data: unknown;
    try {
      data = JSON.parse(sample.body ?? '');
    } catch {
      return [`${what}: the body is not JSON: ${String(sample.body).slice(0, 200)}`];
    }
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    if (validate(data)) return [];
    return (validate.errors ?? []).map((e) => `${what}: ${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }

  /** Reads what is needed of a fetch Response (without consuming it) and throws when it does not match the document. */
  async assertResponse(method: string, path: string, res: Response): Promise<void> {
    const contentType = res.headers.get('content-type');
    const stream = contentType?.startsWith('text/event-stream') ?? false;
    // A compressed answer (br or gzip, as the server sends lists) is checked as the client reads it.
    const encoding = res.headers.get('content-encoding');
    const raw = stream || res.status === 204 ? null : Buffer.from(await res.clone().arrayBuffer());
    const plain = raw && encoding === 'br' ? brotliDecompressSync(raw) : raw && encoding === 'gzip' ? gunzipSync(raw) : raw;
    const body = plain === null ? null : plain.toString('utf8');
    const problems = this.check({ method, path, status: res.status, contentType, body });
    if (problems.length > 0) {
      throw new Error(`The response does not match the OpenAPI document:\n  ${problems.join('\n  ')}\nBody: ${String(body).slice(0, 500)}`);
    }
  }
}

const served = new Map<string, Promise<OpenApiChecker>>();

/** A checker of a running control plane's answers, against the document that control plane serves. */
export function checkerFor(baseUrl: string): Promise<OpenApiChecker> {
  let checker = served.get(baseUrl);
  if (!checker) {
    checker = fetch(`${baseUrl}/api/v1/openapi.json`).then(async (res) => {
      if (!res.ok) throw new Error(`GET ${baseUrl}/api/v1/openapi.json answered ${res.status}`);
      return new OpenApiChecker(await res.json());
    });
    checker.catch(() => served.delete(baseUrl));
    served.set(baseUrl, checker);
  }
  return checker;
}
