import { type EntityMetadata, type EntityProperty, type Platform, UuidType } from '@mikro-orm/core';

type Row = Record<string, unknown>;
type Read = (value: unknown) => unknown;

interface Field {
  column: string;
  property: string;
  /** null when the driver's value is the domain's as it is. */
  read: Read | null;
}

/**
 * How the hot reads (every request's user, the chatroom, its messages, the subscription) turn rows into domain
 * objects without MikroORM's query builder and hydration, which cost two to three times the query itself here:
 * plain statements over the columns MikroORM maps for the table's schema (./schemas), each value converted as
 * MikroORM would, handed to the domain class's constructor. All of it is read off the schema, so a new column
 * is one edit there (and a migration).
 */
export class TableRows<T extends object> {
  /** Every mapped column, in the schema's order: a select or returning list. */
  readonly columns: string;
  /** `select <columns> from <table>`, to be followed by a where clause. */
  readonly select: string;
  /** The domain object of a row selected with `columns`. */
  readonly fromRow: (row: Row) => T;

  constructor(meta: EntityMetadata<T>, platform: Platform) {
    const fields = meta.props.filter(isColumn).map((prop) => field(prop, platform));
    this.columns = fields.map((field) => `"${field.column}"`).join(', ');
    this.select = `select ${this.columns} from "${meta.tableName}"`;
    this.fromRow = compile(meta.class as unknown as new (props: Row) => T, fields);
  }
}

/**
 * The mapper written out as one function of the table's fields (names from our own schemas, never from input), as
 * MikroORM's own hydrator does: an object literal of one shape per table keeps it as fast as a hand-written
 * mapper, where a loop filling a props object measured about three times slower.
 */
function compile<T>(DomainClass: new (props: Row) => T, fields: Field[]): (row: Row) => T {
  const props = fields.map(({ column, property, read }, index) => {
    const value = `row[${JSON.stringify(column)}]`;
    return `${JSON.stringify(property)}: ${read ? `read[${index}](${value})` : value}`;
  });
  const body = `return (row) => new DomainClass({ ${props.join(', ')} });`;
  const readers = fields.map((field) => field.read);
  return new Function('DomainClass', 'read', body)(DomainClass, readers);
}

/** A property stored in a column of this table (a scalar, or the key of the entity it references). */
function isColumn(prop: EntityProperty): boolean {
  const stored = prop.kind === 'scalar' || prop.kind === 'm:1' || (prop.kind === '1:1' && prop.owner);
  return stored && prop.persist !== false;
}

function field(prop: EntityProperty, platform: Platform): Field {
  const [column, ...more] = prop.fieldNames;
  if (column === undefined || more.length > 0) {
    throw new Error(`TableRows maps single-column properties; ${prop.name} has ${prop.fieldNames.length}`);
  }
  return { column, property: prop.name, read: reader(prop, platform) };
}

function reader(prop: EntityProperty, platform: Platform): Read | null {
  const { customType } = prop;
  // PostgreSQL hands uuids back as the strings the domain holds: no call per id column.
  if (customType instanceof UuidType) return null;
  if (customType) return (value) => (value === null ? null : customType.convertToJSValue(value, platform));
  if (prop.runtimeType === 'Date') return toDate;
  return null;
}

function toDate(value: unknown): unknown {
  return value === null || value instanceof Date ? value : new Date(value as string);
}
