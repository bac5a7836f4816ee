import type { EntityMetadata, EntityProperty, Platform } from '@mikro-orm/core';

type Row = Record<string, unknown>;

interface Field {
  column: string;
  property: string;
  read: (value: unknown) => unknown;
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
  private readonly fields: Field[];
  private readonly make: (props: Row) => T;

  constructor(meta: EntityMetadata<T>, platform: Platform) {
    this.fields = meta.props.filter(isColumn).map((prop) => field(prop, platform));
    this.columns = this.fields.map((field) => `"${field.column}"`).join(', ');
    this.select = `select ${this.columns} from "${meta.tableName}"`;
    const DomainClass = meta.class as unknown as new (props: Row) => T;
    this.make = (props) => new DomainClass(props);
  }

  /** The domain object of a row selected with `columns`. */
  fromRow(row: Row): T {
    const props: Row = {};
    for (const { column, property, read } of this.fields) props[property] = read(row[column]);
    return this.make(props);
  }
}

/** A property stored in a column of this table (a scalar, or the key of the entity it references). */
function isColumn(prop: EntityProperty): boolean {
  const stored = prop.kind === 'scalar' || prop.kind === 'm:1' || (prop.kind === '1:1' && prop.owner);
  return stored && prop.persist !== false;
}

function field(prop: EntityProperty, platform: Platform): Field {
  const [column, ...more] = prop.fieldNames;
  if (column === undefined || more.length > 0) {
    throw new Error(
      `TableRows reads single-column properties only; ${prop.name} has ${prop.fieldNames.length}`,
    );
  }
  return { column, property: prop.name, read: reader(prop, platform) };
}

function reader(prop: EntityProperty, platform: Platform): (value: unknown) => unknown {
  const { customType } = prop;
  if (customType) return (value) => (value === null ? null : customType.convertToJSValue(value, platform));
  if (prop.runtimeType === 'Date') {
    return (value) => (value === null || value instanceof Date ? value : new Date(value as string));
  }
  return (value) => value;
}
