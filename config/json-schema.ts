import { z } from "zod";
import { deploymentSchema } from "./schema";

/**
 * JSON Schema (draft 2020-12) of the configuration file, for editor completion and validation
 * (`"$schema": "./schema.json"`). config/schema.json is this function's output; a test keeps it
 * current (`npx vitest run config -u` rewrites it). Checks that need code (region membership,
 * cross-field rules) are only in the program; the schema covers shapes, names and patterns.
 */
export function deploymentJsonSchema(): string {
  const schema = z.toJSONSchema(deploymentSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "Sovereign Identity Platform deployment" }, null, 2)}\n`;
}
