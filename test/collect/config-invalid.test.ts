import { join } from "node:path";
import { testInvalidConfigurations } from "../support/config-invalid.ts";

/**
 * Each file in config-invalid/ is one misconfiguration of a collector setting (processes, containers,
 * sensors, textfile, exec plugins), with the exact messages the loader must print.
 */
testInvalidConfigurations(join(import.meta.dir, "config-invalid"));
