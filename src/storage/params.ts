import type { Dialect } from './migrations';

/**
 * Parameters of a statement built at run time (a multi-row VALUES list): `add` keeps the value
 * and returns its placeholder in the dialect's spelling, `?` for SQLite and `$n` for PostgreSQL.
 */
export class Params {
  readonly values: unknown[] = [];

  constructor(private readonly dialect: Dialect) {}

  /** A placeholder for `value`; with `cast`, wrapped so both dialects type it alike. */
  add(value: unknown, cast?: 'BIGINT'): string {
    this.values.push(value);
    const marker = this.dialect === 'postgres' ? `$${this.values.length}` : '?';
    return cast ? `CAST(${marker} AS ${cast})` : marker;
  }
}
