/** JSON responses and the one error shape of the API: `{ "error": { "code", "message" } }`. */

/** An error that becomes an HTTP response with its status, a stable code and a message for people. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body)}\n`, { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function errorResponse(error: HttpError): Response {
  return json({ error: { code: error.code, message: error.message } }, error.status, error.headers);
}

/** Largest request body accepted, bytes; a larger one gets a JSON 413. */
export const MAX_BODY = 64 * 1024;

/** Reads a JSON body no larger than `limit` bytes, or says exactly why it cannot. */
export async function readJsonBody(request: Request, limit = MAX_BODY): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new HttpError(415, "unsupported_media_type", `expected a body of type application/json, got ${type ? JSON.stringify(type) : "none"}`);
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new HttpError(413, "payload_too_large", `the body may be at most ${limit} bytes, this one is ${declared}`);
  // Read at most `limit` bytes even when the client sends no length (chunked): never buffer more.
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body) {
      size += chunk.byteLength;
      if (size > limit) throw new HttpError(413, "payload_too_large", `the body may be at most ${limit} bytes`);
      chunks.push(chunk);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, "invalid_json", `the body is not valid JSON: ${(cause as Error).message}`);
  }
}
