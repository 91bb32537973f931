import { createSecureContext } from "node:tls";
import { PEM_FILE_LIMIT, readBoundedFile } from "./read-bounded-file.ts";
import type { Config } from "./schema.ts";

/** The PEM text of `server.tls`: certificate (chain), key, and the CAs client certificates must come from. */
export interface TlsFiles {
  cert: string;
  key: string;
  ca?: string;
}

/**
 * Reads `server.tls` (bounded, regular files only) and proves the certificate and key form a pair,
 * as the listener will need them: `check-config` and a reload find a wrong file before it is served.
 * Undefined without TLS; throws with the key and the file at fault.
 */
export function readTlsFiles(config: Config, read: (path: string) => string = (p) => readBoundedFile(p, PEM_FILE_LIMIT)): TlsFiles | undefined {
  const { cert_file, key_file, client_ca_file } = config.server.tls;
  if (cert_file === undefined || key_file === undefined) return undefined;
  const load = (key: string, path: string) => {
    try {
      return read(path);
    } catch (cause) {
      throw new Error(`server.tls.${key}: cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
    }
  };
  const files: TlsFiles = {
    cert: load("cert_file", cert_file),
    key: load("key_file", key_file),
    ...(client_ca_file !== undefined ? { ca: load("client_ca_file", client_ca_file) } : {}),
  };
  try {
    createSecureContext({ cert: files.cert, key: files.key, ...(files.ca ? { ca: files.ca } : {}) });
  } catch (cause) {
    const reason = (cause as Error).message.replace(/^error:[0-9a-f]+:[^:]*:[^:]*:/i, "");
    throw new Error(`server.tls: ${cert_file} and ${key_file} cannot serve TLS (${reason}); expected a PEM certificate and its private key`, { cause });
  }
  return files;
}
