// Bundles main.ts into dist/main.cjs for `node` (and the cdktf.json app command). Dependencies stay
// external: node resolves them from node_modules, as cdktf and the provider bindings expect.
import { build } from "esbuild";

await build({
  entryPoints: ["main.ts"],
  outfile: "dist/main.cjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
