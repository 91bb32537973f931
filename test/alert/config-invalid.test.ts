import { join } from "node:path";
import { testInvalidConfigurations } from "../support/config-invalid.ts";

testInvalidConfigurations(join(import.meta.dir, "config-invalid"));
