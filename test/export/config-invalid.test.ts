import { expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { testInvalidConfigurations } from "../support/config-invalid.ts";

// One misconfiguration of `export` per file of config-invalid/.
testInvalidConfigurations(join(import.meta.dir, "config-invalid"));

test("an empty AIOPS_EXPORT_REMOTE_WRITE_URL leaves remote_write off; the URL is a secret (also from _FILE)", () => {
  expect(loadConfig({ env: { AIOPS_EXPORT_REMOTE_WRITE_URL: "" } }).config.export.remote_write.url).toBeUndefined();
  const loaded = loadConfig({
    env: { AIOPS_EXPORT_REMOTE_WRITE_URL_FILE: "/run/secrets/rw" },
    readFile: () => "https://u:p@mimir.example.com/api/v1/push\n",
  });
  expect(loaded.config.export.remote_write.url).toBe("https://u:p@mimir.example.com/api/v1/push");
  expect(loaded.secrets).toContain("https://u:p@mimir.example.com/api/v1/push");
});
