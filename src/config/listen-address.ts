import { isIP } from "node:net";

/** Where the server listens: a host (empty for every interface) and a port (0 picks a free one). */
export interface ListenAddress {
  hostname: string;
  port: number;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * Why `address` cannot be listened on, or undefined when it can: the one rule `check-config` and the
 * server both apply, so what passes one binds in the other. `host:port`, `[ipv6]:port` or `:port`.
 */
export function listenProblem(address: string): string | undefined {
  const match = address.match(/^(?:\[([^\]]*)\]|([^:[\]]*)):(\d+)$/);
  if (!match) return "expected host:port, [ipv6]:port or :port";
  const port = Number(match[3]);
  if (match[3]!.length > 5 || port > 65535) return "expected a port from 0 to 65535";
  if (match[1] !== undefined) return isIP(match[1]) === 6 ? undefined : "expected an IPv6 address inside [ ]";
  const host = match[2]!;
  if (host === "") return undefined;
  if (/^[\d.]+$/.test(host)) return isIP(host) === 4 ? undefined : "expected an IPv4 address such as 127.0.0.1";
  if (!HOST_NAME.test(host)) return "expected an IP address or a host name";
  return undefined;
}

/** Splits a valid listen address into host and port (`:8080` means every interface); throws on an invalid one. */
export function parseListen(address: string): ListenAddress {
  const problem = listenProblem(address);
  if (problem) throw new Error(`listen address ${JSON.stringify(address.slice(0, 100))}: ${problem}`);
  const match = address.match(/^(?:\[([^\]]*)\]|([^:[\]]*)):(\d+)$/)!;
  return { hostname: match[1] ?? (match[2] || "0.0.0.0"), port: Number(match[3]) };
}

/** True for an address only this host can reach: 127.0.0.0/8, ::1 (also as ::ffff:127.x.x.x). */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return a === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || a === "localhost";
}
