/**
 * `node --import` this file to record which npm packages a process loads: on exit it writes their
 * names, one a line, to the file named by $LOADED_PACKAGES_FILE.
 */
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

const packages = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url)?.[1];
    if (name !== undefined) packages.add(name);
    return resolved;
  },
});
process.on("exit", () => {
  const file = process.env["LOADED_PACKAGES_FILE"];
  if (file !== undefined) writeFileSync(file, [...packages].sort().join("\n"));
});
