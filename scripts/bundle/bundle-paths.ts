/**
 * Where `npm run bundle` writes the compiled CLI, relative to the project root; bin/chains-ts and
 * deploy/Dockerfile name the same paths.
 */
export const bundleDir = "bundle";
export const bundleEntry = `${bundleDir}/main.js`;
