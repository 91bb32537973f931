import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { TEST_CA, TLS_DIR } from "../alert/sink.ts";
import { testServer } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "aiops-tls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The SHA-256 fingerprint of the certificate the server presents to a new connection. */
function presented(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false, servername: "localhost" }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on("error", reject);
  });
}

test("server.tls serves HTTPS with a verified certificate, and a renewed one to new connections after a reload", async () => {
  const cert = join(dir, "tls.crt");
  const key = join(dir, "tls.key");
  copyFileSync(join(TLS_DIR, "server.pem"), cert);
  copyFileSync(join(TLS_DIR, "server.key"), key);
  const env = { AIOPS_SERVER_TLS_CERT_FILE: cert, AIOPS_SERVER_TLS_KEY_FILE: key };
  const { server, logged } = testServer({ env });
  const { port } = server.listen("127.0.0.1:0");
  try {
    const r = await fetch(`https://localhost:${port}/healthz`, { tls: { ca: TEST_CA } } as RequestInit);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("ok\n");
    const first = await presented(port);

    // A renewed certificate: a self-signed one for the same name, written over the files.
    const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", key, "-out", cert]);
    expect(made.exitCode).toBe(0);
    server.reload();
    expect(logged.some((l) => l.includes("TLS certificate reloaded"))).toBe(true);
    const second = await presented(port);
    expect(second).not.toBe(first);
  } finally {
    await server.stop();
  }
});
