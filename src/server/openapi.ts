import { z } from "zod";
import { AGENT_EVENT_TYPES } from "../contracts/events.ts";
import type { ApiRoute } from "./route.ts";

const ERROR_SCHEMA = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" } },
    },
  },
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

/**
 * The OpenAPI 3.1 document of /api/v1, built from the route table itself (paths, query parameters and
 * bodies from the same zod schemas that validate requests), so it cannot drift from the code.
 */
export function buildOpenApi(routes: readonly ApiRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([a-z_]+)/g, "{$1}");
    const parameters: unknown[] = [...route.path.matchAll(/:([a-z_]+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (route.query) {
      const schema = jsonSchema(route.query) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        parameters.push({
          name,
          in: "query",
          required: schema.required?.includes(name) ?? false,
          ...(typeof property.description === "string" ? { description: property.description } : {}),
          schema: property,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(route.responses)) {
      responses[status] = Number(status) < 400
        ? { description, content: { "application/json": { schema: { type: "object" } } } }
        : { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    }
    responses["400"] ??= { description: "a parameter or the body is not valid", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    responses["401"] = { description: "a bearer token is configured and the request lacks it", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = {
      summary: route.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(route.body) } } } } : {}),
      responses,
    };
  }
  paths["/api/v1/events"] = {
    get: {
      summary: "Server-sent events: each snapshot, finding, alert change and delivery as it happens. Resume with Last-Event-ID.",
      parameters: [
        { name: "types", in: "query", required: false, schema: { type: "string" }, description: `comma-separated: ${AGENT_EVENT_TYPES.join(", ")}` },
        { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } },
      ],
      responses: { "200": { description: "an event stream", content: { "text/event-stream": { schema: { type: "string" } } } } },
    },
  };
  return {
    openapi: "3.1.0",
    info: { title: "aiops-agent API", version, description: "The REST API of one aiops-agent: its host's state, history, anomalies and alerts." },
    servers: [{ url: "/" }],
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    security: [{ bearer: [] }, {}],
    paths,
  };
}
