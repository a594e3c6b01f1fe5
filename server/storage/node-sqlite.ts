/**
 * Node's built-in SQLite (`node:sqlite`, Node 22.13+ without a flag). Node 22
 * still prints "ExperimentalWarning: SQLite is an experimental feature" to
 * stderr when the module first loads; operators would read that line as a
 * fault in every server log, so this loads it with that one warning (and
 * nothing else) withheld. Loading goes through require because a static
 * import would run before any code here could step in.
 */
import { createRequire } from "node:module";
import type * as NodeSqlite from "node:sqlite";

let loaded: typeof NodeSqlite | undefined;

export function nodeSqlite(): typeof NodeSqlite {
  if (loaded) return loaded;
  const emitWarning = process.emitWarning;
  process.emitWarning = function withoutSqliteNotice(this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === "string" ? warning : warning?.message;
    if (text?.startsWith("SQLite is an experimental feature")) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    loaded = createRequire(import.meta.url)("node:sqlite") as typeof NodeSqlite;
  } finally {
    process.emitWarning = emitWarning;
  }
  return loaded;
}
