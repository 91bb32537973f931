import { parseListen } from "../server/server.ts";

/**
 * The URL that reaches the agent from this machine for a listen address (`server.listen`, or the address
 * it bound): every interface (`0.0.0.0`, `::`, `:8080`) is reached on loopback. Port 0 (picked at start)
 * cannot be known from the configuration: that is an error naming the `--url` to give instead.
 */
export function localUrl(listen: string): string {
  const { hostname, port } = parseListen(listen);
  if (port === 0) throw new Error(`server.listen is ${JSON.stringify(listen)} (a port picked at start): give the agent's address with --url`);
  const host = hostname === "0.0.0.0" ? "127.0.0.1" : hostname === "::" ? "[::1]" : hostname.includes(":") ? `[${hostname}]` : hostname;
  return `http://${host}:${port}`;
}

/** The start-up line that says where to look next: `/metrics`, the API, and the command that watches it live. */
export function whereToLook(bound: { hostname: string; port: number }): { message: string; metrics: string; api: string; tui: string } {
  const address = `${bound.hostname.includes(":") ? `[${bound.hostname}]` : bound.hostname}:${bound.port}`;
  const base = localUrl(address);
  const everywhere = bound.hostname === "0.0.0.0" || bound.hostname === "::";
  const tui = `aiops-agent tui --url ${base}`;
  return {
    message: `Serving ${address}${everywhere ? " (every interface)" : ""}: metrics at ${base}/metrics, the API at ${base}/api/v1; watch it live with: ${tui}`,
    metrics: `${base}/metrics`,
    api: `${base}/api/v1`,
    tui,
  };
}
