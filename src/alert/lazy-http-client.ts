import type { HttpClient, HttpClientOptions } from "./http-client.ts";

/**
 * An HttpClient that loads undici (`http-client.ts`, about a hundred modules) on its first request:
 * a part built at start-up whether or not it ever sends (exporting without a target, remediation
 * without an HTTP action) then costs no memory for it.
 */
export function createLazyHttpClient(options: HttpClientOptions): HttpClient {
  let real: Promise<HttpClient> | undefined;
  const client = () => (real ??= import("./http-client.ts").then((m) => m.createHttpClient(options)));
  return {
    async send(req) {
      return (await client()).send(req);
    },
    async close() {
      if (real) await (await real).close();
    },
  };
}
