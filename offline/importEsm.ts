/**
 * Loads an ES module (scripts/*.mjs) from this CommonJS code: through a computed specifier, so that
 * neither tsc (module commonjs) nor tsx rewrites the import() into a require().
 */
export const importEsm = new Function("specifier", "return import(specifier)") as <T>(file: string) => Promise<T>;
