import { join } from "node:path";
import { testInvalidConfigurations } from "../support/config-invalid.ts";

// The agent's own settings (server, files); files a case names are read from config-invalid/.
testInvalidConfigurations(join(import.meta.dir, "config-invalid"));
