import { get_dmmf } from '@prisma/prisma-schema-wasm';
import pg from 'pg';
import { z } from 'zod';

/**
 * Compares a migrated database with what a `schema.prisma` says it should hold, the way
 * `prisma migrate diff` would if its native engine could run here. Both sides are reduced to
 * "facts" keyed by object (`column events.id` → `uuid NOT NULL, no default`) named with Prisma's
 * default conventions, then diffed into readable sentences.
 *
 * Not covered, because our schemas do not use them: `map:` on relations (DMMF does not expose
 * it, so foreign keys are expected under their default name), index operator classes, NULLS
 * ordering, multiSchema, views, check constraints.
 */
export async function describeSchemaDrift(schemaText: string, databaseUrl: string): Promise<string[]> {
  const expected = expectedShape(schemaText);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const actual = await readCatalog(client);
    const defaults = await compareLiteralDefaults(client, expected, actual);
    return diffFacts(
      factsOf(expected, (column) => defaults.get(columnKey(column))?.expected ?? describeExpectedDefault(column.default)),
      factsOf(actual, (column) => defaults.get(columnKey(column))?.actual ?? describeActualDefault(column.default)),
    );
  } finally {
    await client.end();
  }
}

type ExpectedDefault = { kind: 'none' | 'now' | 'autoincrement' | 'expression' } | { kind: 'literal'; value: unknown };

interface Column<TDefault> {
  table: string;
  name: string;
  /** As PostgreSQL's `format_type` spells it, without identifier quotes. */
  type: string;
  nullable: boolean;
  default: TDefault;
}

interface Index {
  table: string;
  name: string;
  primary: boolean;
  unique: boolean;
  method: string;
  columns: string[];
  predicate: string | null;
}

interface ForeignKey {
  table: string;
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

interface Shape<TDefault> {
  tables: string[];
  columns: Column<TDefault>[];
  indexes: Index[];
  foreignKeys: ForeignKey[];
  enums: { name: string; values: string[] }[];
}

// ---- what schema.prisma expects -------------------------------------------------------------

const dmmfSchema = z.object({
  datamodel: z.object({
    enums: z.array(z.object({ name: z.string(), dbName: z.string().nullish(), values: z.array(z.object({ name: z.string(), dbName: z.string().nullish() })) })),
    models: z.array(
      z.object({
        name: z.string(),
        dbName: z.string().nullish(),
        fields: z.array(
          z.object({
            name: z.string(),
            dbName: z.string().nullish(),
            kind: z.string(),
            isList: z.boolean(),
            isRequired: z.boolean(),
            type: z.string(),
            nativeType: z.tuple([z.string(), z.array(z.string())]).nullish(),
            hasDefaultValue: z.boolean(),
            default: z.unknown().optional(),
            relationFromFields: z.array(z.string()).optional(),
            relationToFields: z.array(z.string()).optional(),
            relationOnDelete: z.string().optional(),
            relationOnUpdate: z.string().optional(),
          }),
        ),
      }),
    ),
    indexes: z.array(
      z.object({
        model: z.string(),
        type: z.string(),
        dbName: z.string().nullish(),
        algorithm: z.string().optional(),
        fields: z.array(z.object({ name: z.string(), sortOrder: z.string().optional() })),
      }),
    ),
  }),
});

type DmmfModel = z.infer<typeof dmmfSchema>['datamodel']['models'][number];
type DmmfField = DmmfModel['fields'][number];

/** Prisma's column types on PostgreSQL, spelled as `format_type` prints them. */
const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const withPrecision = (base: string, precision: string | undefined, suffix = '') =>
  `${base}${precision === undefined ? '' : `(${precision})`}${suffix}`;

const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Text: () => 'text',
  VarChar: ([length]) => withPrecision('character varying', length),
  Char: ([length]) => withPrecision('character', length ?? '1'),
  Uuid: () => 'uuid',
  SmallInt: () => 'smallint',
  Integer: () => 'integer',
  BigInt: () => 'bigint',
  Real: () => 'real',
  DoublePrecision: () => 'double precision',
  Decimal: (args) => (args.length ? `numeric(${args.join(',')})` : 'numeric'),
  Boolean: () => 'boolean',
  Timestamp: ([precision]) => withPrecision('timestamp', precision, ' without time zone'),
  Timestamptz: ([precision]) => withPrecision('timestamp', precision, ' with time zone'),
  Time: ([precision]) => withPrecision('time', precision, ' without time zone'),
  Timetz: ([precision]) => withPrecision('time', precision, ' with time zone'),
  Date: () => 'date',
  Json: () => 'json',
  JsonB: () => 'jsonb',
  ByteA: () => 'bytea',
  Inet: () => 'inet',
  Citext: () => 'citext',
  Xml: () => 'xml',
};

/** Prisma's default constraint names, cut like Prisma cuts them to PostgreSQL's 63 bytes. */
function constraintName(table: string, columns: string[], suffix: string): string {
  const base = [table, ...columns].join('_');
  return base.slice(0, 63 - suffix.length) + suffix;
}

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

/** Defaults Prisma Client fills in itself: the column has none. */
const CLIENT_SIDE_DEFAULTS = new Set(['uuid', 'cuid', 'nanoid', 'ulid']);

function expectedShape(schemaText: string): Shape<ExpectedDefault> {
  const { datamodel } = dmmfSchema.parse(JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: schemaText }))));
  const enums = new Map(datamodel.enums.map((e) => [e.name, e]));
  const models = new Map(datamodel.models.map((model) => [model.name, model]));
  const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
  const columnOf = (model: DmmfModel, fieldName: string) => model.fields.find((f) => f.name === fieldName)?.dbName ?? fieldName;
  const enumValue = (enumName: string, value: unknown) =>
    enums.get(enumName)?.values.find((v) => v.name === value)?.dbName ?? value;

  const columnType = (field: DmmfField): string => {
    const base =
      field.kind === 'enum'
        ? (enums.get(field.type)?.dbName ?? field.type)
        : field.nativeType
          ? (NATIVE_TYPES[field.nativeType[0]]?.(field.nativeType[1]) ?? `unknown native type ${field.nativeType[0]}`)
          : (SCALAR_TYPES[field.type] ?? `unknown type ${field.type}`);
    return field.isList ? `${base}[]` : base;
  };
  const columnDefault = (field: DmmfField): ExpectedDefault => {
    if (!field.hasDefaultValue || field.default === undefined) return { kind: 'none' };
    const value = field.default;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const name = (value as { name?: unknown }).name;
      if (name === 'now') return { kind: 'now' };
      if (name === 'autoincrement') return { kind: 'autoincrement' };
      return typeof name === 'string' && CLIENT_SIDE_DEFAULTS.has(name) ? { kind: 'none' } : { kind: 'expression' };
    }
    if (field.type === 'Bytes') return { kind: 'expression' }; // base64 in the schema, bytea in SQL
    if (field.kind !== 'enum') return { kind: 'literal', value };
    return { kind: 'literal', value: Array.isArray(value) ? value.map((v) => enumValue(field.type, v)) : enumValue(field.type, value) };
  };

  const shape: Shape<ExpectedDefault> = { tables: [], columns: [], indexes: [], foreignKeys: [], enums: [] };
  for (const model of datamodel.models) {
    const table = tableOf(model);
    shape.tables.push(table);
    for (const field of model.fields) {
      if (field.kind === 'scalar' || field.kind === 'enum') {
        // Prisma creates list columns without NOT NULL.
        const nullable = field.isList || !field.isRequired;
        shape.columns.push({ table, name: field.dbName ?? field.name, type: columnType(field), nullable, default: columnDefault(field) });
      }
      const from = field.relationFromFields ?? [];
      const target = models.get(field.type);
      if (field.kind !== 'object' || from.length === 0 || !target) continue;
      const columns = from.map((name) => columnOf(model, name));
      const optional = from.some((name) => model.fields.find((f) => f.name === name)?.isRequired === false);
      shape.foreignKeys.push({
        table,
        name: constraintName(table, columns, '_fkey'),
        columns,
        referencedTable: tableOf(target),
        referencedColumns: (field.relationToFields ?? []).map((name) => columnOf(target, name)),
        onDelete: REFERENTIAL_ACTIONS[field.relationOnDelete ?? (optional ? 'SetNull' : 'Restrict')] ?? '?',
        onUpdate: REFERENTIAL_ACTIONS[field.relationOnUpdate ?? 'Cascade'] ?? '?',
      });
    }
  }
  for (const index of datamodel.indexes) {
    const model = models.get(index.model);
    if (!model || index.type === 'fulltext') continue;
    const table = tableOf(model);
    const columns = index.fields.map((f) => columnOf(model, f.name));
    const suffix = index.type === 'id' ? '_pkey' : index.type === 'unique' ? '_key' : '_idx';
    shape.indexes.push({
      table,
      name: index.dbName ?? constraintName(table, index.type === 'id' ? [] : columns, suffix),
      primary: index.type === 'id',
      unique: index.type !== 'normal',
      method: (index.algorithm ?? 'BTree').toLowerCase(),
      columns: index.fields.map((f, i) => `${columns[i] ?? f.name}${f.sortOrder === 'desc' ? ' DESC' : ''}`),
      predicate: null,
    });
  }
  shape.enums = datamodel.enums.map((e) => ({ name: e.dbName ?? e.name, values: e.values.map((v) => v.dbName ?? v.name) }));
  return shape;
}

// ---- what PostgreSQL holds ------------------------------------------------------------------

const IN_SCHEMA = `n.nspname = current_schema() AND t.relname <> '_prisma_migrations'`;
const FROM_TABLES = `pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace`;

const ON_ACTION: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

async function readCatalog(client: pg.Client): Promise<Shape<string | null>> {
  const tables = await client.query<{ name: string }>(`SELECT t.relname AS name FROM ${FROM_TABLES} WHERE t.relkind IN ('r', 'p') AND ${IN_SCHEMA} ORDER BY 1`);
  const columns = await client.query<{ table: string; name: string; type: string; not_null: boolean; default: string | null }>(`
    SELECT t.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
           pg_get_expr(d.adbin, d.adrelid) AS default
    FROM ${FROM_TABLES} JOIN pg_attribute a ON a.attrelid = t.oid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE t.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${IN_SCHEMA}
    ORDER BY t.relname, a.attnum`);
  const indexes = await client.query<Index>(`
    SELECT t.relname AS table, i.relname AS name, x.indisprimary AS primary, x.indisunique AS unique, am.amname AS method,
           pg_get_expr(x.indpred, x.indrelid) AS predicate,
           ARRAY(SELECT CASE WHEN k.attnum = 0 THEN pg_get_indexdef(x.indexrelid, k.ord::int, true) ELSE a.attname::text END
                        || CASE WHEN x.indoption[(k.ord - 1)::int] & 1 = 1 THEN ' DESC' ELSE '' END
                 FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                 LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                 WHERE k.ord <= x.indnkeyatts ORDER BY k.ord) AS columns
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
    JOIN ${FROM_TABLES} ON t.oid = x.indrelid
    WHERE ${IN_SCHEMA} ORDER BY t.relname, i.relname`);
  const foreignKeys = await client.query<ForeignKey>(`
    SELECT t.relname AS table, c.conname AS name, r.relname AS "referencedTable",
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
           ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS "referencedColumns",
           c.confdeltype AS "onDelete", c.confupdtype AS "onUpdate"
    FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid JOIN ${FROM_TABLES} ON t.oid = c.conrelid
    WHERE c.contype = 'f' AND ${IN_SCHEMA} ORDER BY t.relname, c.conname`);
  const enums = await client.query<{ name: string; values: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE n.nspname = current_schema() GROUP BY t.typname ORDER BY t.typname`);
  return {
    tables: tables.rows.map((row) => row.name),
    columns: columns.rows.map((row) => ({ table: row.table, name: row.name, type: row.type, nullable: !row.not_null, default: row.default })),
    indexes: indexes.rows,
    foreignKeys: foreignKeys.rows.map((fk) => ({ ...fk, onDelete: ON_ACTION[fk.onDelete] ?? fk.onDelete, onUpdate: ON_ACTION[fk.onUpdate] ?? fk.onUpdate })),
    enums: enums.rows,
  };
}

// ---- comparing ------------------------------------------------------------------------------

const columnKey = (column: { table: string; name: string }) => `${column.table}.${column.name}`;

function describeExpectedDefault(value: ExpectedDefault): string {
  if (value.kind === 'none') return 'no default';
  if (value.kind === 'literal') return `DEFAULT ${typeof value.value === 'string' ? `'${value.value}'` : JSON.stringify(value.value)}`;
  return value.kind === 'expression' ? 'DEFAULT (an SQL expression)' : `DEFAULT ${value.kind}()`;
}

function describeActualDefault(expression: string | null): string {
  if (expression === null) return 'no default';
  if (/^nextval\(/.test(expression)) return 'DEFAULT autoincrement()';
  if (expression === 'CURRENT_TIMESTAMP' || expression === 'now()') return 'DEFAULT now()';
  return `DEFAULT ${expression}`;
}

/**
 * Literal defaults are spelled differently on each side (`"{}"` vs `'{}'::jsonb`), so both are
 * cast to the column's type by PostgreSQL and compared as text. Also accepts any database
 * expression where the schema says `dbgenerated(...)`.
 */
async function compareLiteralDefaults(client: pg.Client, expected: Shape<ExpectedDefault>, actual: Shape<string | null>) {
  const actualColumns = new Map(actual.columns.map((column) => [columnKey(column), column]));
  const resolved = new Map<string, { expected: string; actual: string }>();
  for (const column of expected.columns) {
    const found = actualColumns.get(columnKey(column));
    const expression = found?.default;
    if (!found || !expression) continue;
    if (column.default.kind === 'expression') {
      resolved.set(columnKey(column), { expected: 'DEFAULT (an SQL expression)', actual: 'DEFAULT (an SQL expression)' });
    }
    if (column.default.kind !== 'literal' || describeActualDefault(expression) !== `DEFAULT ${expression}`) continue;
    const type = found.type; // format_type output: valid SQL, identifiers quoted
    try {
      const { rows } = await client.query<{ expected: string | null; actual: string | null }>(
        `SELECT ($1::${type})::text AS expected, ((${expression})::${type})::text AS actual`,
        [column.default.value],
      );
      const row = rows[0];
      if (row) resolved.set(columnKey(column), { expected: `DEFAULT '${row.expected}'`, actual: `DEFAULT '${row.actual}'` });
    } catch {
      // Not castable (the types differ, reported anyway): keep the raw spellings.
    }
  }
  return resolved;
}

interface Fact {
  key: string;
  description: string;
  /** The table the fact belongs to; facts of a table missing on one side are not repeated. */
  table?: string;
}

function factsOf<TDefault>(shape: Shape<TDefault>, describeDefault: (column: Column<TDefault>) => string): Fact[] {
  const unquote = (type: string) => type.replace(/"/g, '');
  return [
    ...shape.tables.map((table) => ({ key: `table ${table}`, description: '' })),
    ...shape.columns.map((c) => ({
      key: `column ${columnKey(c)}`,
      table: c.table,
      description: `${unquote(c.type)} ${c.nullable ? 'NULL' : 'NOT NULL'}, ${describeDefault(c)}`,
    })),
    ...shape.indexes.map((i) =>
      i.primary
        ? { key: `primary key of ${i.table}`, table: i.table, description: `${i.name} (${i.columns.join(', ')})` }
        : {
            key: `index ${i.name}`,
            table: i.table,
            description:
              `${i.unique ? 'UNIQUE ' : ''}on ${i.table} (${i.columns.join(', ')})` +
              `${i.method === 'btree' ? '' : ` USING ${i.method}`}${i.predicate ? ` WHERE ${i.predicate}` : ''}`,
          },
    ),
    ...shape.foreignKeys.map((fk) => ({
      key: `foreign key ${fk.name}`,
      table: fk.table,
      description: `${fk.table} (${fk.columns.join(', ')}) REFERENCES ${fk.referencedTable} (${fk.referencedColumns.join(', ')}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`,
    })),
    ...shape.enums.map((e) => ({ key: `enum ${e.name}`, description: `(${e.values.join(', ')})` })),
  ];
}

function diffFacts(expected: Fact[], actual: Fact[]): string[] {
  const expectedByKey = new Map(expected.map((fact) => [fact.key, fact]));
  const actualByKey = new Map(actual.map((fact) => [fact.key, fact]));
  const onlyOneSide = (fact: Fact, other: Map<string, Fact>) => fact.table !== undefined && !other.has(`table ${fact.table}`);
  const differences: string[] = [];
  for (const fact of expected) {
    const found = actualByKey.get(fact.key);
    if (found === undefined) {
      if (onlyOneSide(fact, actualByKey)) continue;
      differences.push(`${fact.key}: missing from the database${fact.description ? ` (schema.prisma expects ${fact.description})` : ''}`);
    } else if (found.description !== fact.description) {
      differences.push(`${fact.key}: the database has ${found.description}, schema.prisma expects ${fact.description}`);
    }
  }
  for (const fact of actual) {
    if (expectedByKey.has(fact.key) || onlyOneSide(fact, expectedByKey)) continue;
    differences.push(`${fact.key}: in the database but not in schema.prisma${fact.description ? ` (${fact.description})` : ''}`);
  }
  return differences;
}
