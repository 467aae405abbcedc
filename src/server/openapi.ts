import { z } from 'zod';
import { type EndpointAuth, type EndpointSpec, endpoints, namedSchemas, responsesOf, tags } from '../contract/api-spec';

/**
 * The OpenAPI 3.1 document of the API, generated from the contract's endpoint registry with zod's own
 * JSON Schema output (`z.toJSONSchema`, draft 2020-12 — the dialect OpenAPI 3.1 uses). Request bodies
 * are described as zod accepts them (`io: "input"`: defaults make fields optional), responses as the
 * server sends them (`io: "output"`).
 */

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

const componentRef = (name: string) => `#/components/schemas/${name}`;

const securitySchemes = {
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: 'paddock_session',
    description:
      'The console\'s session cookie (`__Host-paddock_session` under HTTPS), from `POST /api/v1/session`. Every mutating request signed in this way also needs the header `X-Requested-With: paddock`.',
  },
  apiToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'pat_…',
    description:
      "An API token (`Authorization: Bearer pat_…`), made on the console's API tokens page or with `npm run paddock -- tokens create`. No CSRF header needed. A `read` token cannot change anything; no token does more than its owner's role.",
  },
  registrationKey: { type: 'http', scheme: 'bearer', bearerFormat: 'prk_…', description: "A runner group's registration key." },
  instanceToken: { type: 'http', scheme: 'bearer', bearerFormat: 'pit_…', description: 'The instance token a runner got when it registered.' },
  localSecret: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'plc_…',
    description: 'The secret a control plane on embedded PGlite writes to `server.json` in its data directory, for the CLI.',
  },
};

const security: Record<EndpointAuth, Array<Record<string, string[]>>> = {
  public: [],
  viewer: [{ session: [] }, { apiToken: [] }],
  admin: [{ session: [] }, { apiToken: [] }],
  session: [{ session: [] }],
  'registration-key': [{ registrationKey: [] }],
  'instance-token': [{ instanceToken: [] }],
  'key-or-instance-token': [{ registrationKey: [] }, { instanceToken: [] }],
  'local-secret': [{ localSecret: [] }],
};

const who: Record<EndpointAuth, string> = {
  public: 'No sign-in needed.',
  viewer: 'Any signed-in user, or any API token.',
  admin: "An admin's console session, or a `write` API token of an admin.",
  session: 'A console session of any role; API tokens are refused (403).',
  'registration-key': "The group's registration key.",
  'instance-token': "The instance's token.",
  'key-or-instance-token': "The group's registration key, or a live instance's token (with `replaces`).",
  'local-secret': 'The local secret of the control plane holding the data directory.',
};

/** Converts zod schemas, naming those in `namedSchemas` by reference. */
class SchemaWriter {
  private readonly names = new Map<z.ZodType, string>();
  private readonly registry = z.registry<{ id: string }>();
  private readonly empty = z.registry<{ id: string }>();

  constructor() {
    for (const [name, schema] of Object.entries(namedSchemas)) {
      this.names.set(schema, name);
      this.registry.add(schema, { id: name });
    }
  }

  components(): Record<string, JsonSchema> {
    const out = z.toJSONSchema(this.registry, { uri: componentRef, io: 'output', unrepresentable: 'any' }) as { schemas: Record<string, JsonSchema> };
    return Object.fromEntries(Object.entries(out.schemas).map(([name, schema]) => [name, strip(schema)]));
  }

  /** A response schema (what the server sends); named schemas become references. */
  output(schema: z.ZodType): JsonSchema {
    const name = this.names.get(schema);
    if (name) return { $ref: componentRef(name) };
    const out = z.toJSONSchema(schema, { io: 'output', metadata: this.registry, unrepresentable: 'any' }) as JsonSchema;
    return rewriteDefs(strip(out));
  }

  /** A request schema (what the server accepts), written out in full. */
  input(schema: z.ZodType): JsonSchema {
    return strip(z.toJSONSchema(schema, { io: 'input', metadata: this.empty, unrepresentable: 'any' }) as JsonSchema);
  }

  /** A parameter's schema: as the server reads it (query values coerced to numbers are numbers). */
  parameter(schema: z.ZodType): JsonSchema {
    return strip(z.toJSONSchema(schema, { io: 'output', metadata: this.empty, unrepresentable: 'any' }) as JsonSchema);
  }
}

function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/** A single schema's `$defs` are the named components: point its references there instead. */
function rewriteDefs(schema: JsonSchema): JsonSchema {
  const { $defs: _defs, ...rest } = schema;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}

function operation(e: EndpointSpec, w: SchemaWriter): Record<string, unknown> {
  const parameters: Array<Record<string, unknown>> = [];
  for (const [name, p] of Object.entries(e.params ?? {})) {
    parameters.push({ name, in: 'path', required: true, description: p.description, schema: w.parameter(p.schema) });
  }
  if (e.query) {
    const q = w.parameter(e.query) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema as JsonSchema & { description?: string };
      parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest });
    }
  }
  for (const [name, h] of Object.entries(e.headers ?? {})) {
    parameters.push({ name, in: 'header', required: h.required ?? false, description: h.description, schema: w.parameter(h.schema) });
  }
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(responsesOf(e)).sort(([a], [b]) => Number(a) - Number(b))) {
    responses[status] = {
      description: r.description,
      ...(r.headers
        ? { headers: Object.fromEntries(Object.entries(r.headers).map(([n, h]) => [n, { description: h.description, schema: w.parameter(h.schema) }])) }
        : {}),
      ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: w.output(r.schema) } } } : {}),
    };
  }
  return {
    operationId: e.operationId,
    summary: e.summary,
    description: [e.description, `**Who:** ${who[e.auth]}`].filter(Boolean).join('\n\n'),
    tags: [e.tag],
    security: security[e.auth],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(e.body
      ? {
          requestBody: {
            required: e.body.required,
            ...(e.body.description ? { description: e.body.description } : {}),
            content: { 'application/json': { schema: w.input(e.body.schema) } },
          },
        }
      : {}),
    responses,
  };
}

const cache = new Map<string, OpenApiDocument>();

/** The document, with `serverUrl` (the public URL, or the origin the request came to) as its server. */
export function openApiDocument(serverUrl: string): OpenApiDocument {
  const cached = cache.get(serverUrl);
  if (cached) return cached;
  const w = new SchemaWriter();
  const paths: OpenApiDocument['paths'] = {};
  for (const e of endpoints) {
    paths[e.path] ??= {};
    paths[e.path]![e.method] = operation(e, w);
  }
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'Paddock API',
      version: '1.0.0',
      summary: 'Console and control plane for self-hosted runners.',
      description:
        'Everything the console does, for scripts: send an API token as `Authorization: Bearer pat_…`. Errors are RFC 9457 `application/problem+json`; times are ISO 8601 UTC; lists are JSON arrays (the audit log pages with a cursor).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl.replace(/\/+$/, ''), description: 'This control plane.' }],
    tags,
    paths,
    components: { schemas: w.components(), securitySchemes },
  };
  cache.set(serverUrl, doc);
  return doc;
}
