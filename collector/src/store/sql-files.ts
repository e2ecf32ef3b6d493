// The SQL the stores run lives in files (collector/sql/<engine>/, collector/migrations/<engine>/),
// read once; request values only ever reach it as bound parameters.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Engine = 'duckdb' | 'clickhouse';

// src/store/ and dist/store/ are both two levels below the package root.
const PACKAGE_ROOT = new URL('../../', import.meta.url);

/** The text of collector/sql/<engine>/<name>.sql. */
export function readQuery(engine: Engine, name: string): string {
  return readFileSync(new URL(`sql/${engine}/${name}.sql`, PACKAGE_ROOT), 'utf8');
}

export interface Migration {
  /** The file name without .sql, e.g. 0001_events; recorded in schema_migrations. */
  version: string;
  sql: string;
}

/** Every migration of the engine, in the order to apply them. */
export function readMigrations(engine: Engine): Migration[] {
  const dir = fileURLToPath(new URL(`migrations/${engine}/`, PACKAGE_ROOT));
  return readdirSync(dir)
    .filter((name) => /^\d{4}_[\w-]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: name.slice(0, -4), sql: readFileSync(`${dir}/${name}`, 'utf8') }));
}
