import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityManagers } from '#adapters/persistence/postgres/entity-managers.ts';
import { PostgresUnitOfWork } from '#adapters/persistence/postgres/postgres-unit-of-work.ts';
import { migratedPersistence } from '#test/support/postgres-persistence.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';

const database = await createTestDatabase();

const USER = '00000000-0000-7000-8000-0000000000a1';
const NO_SUCH_CHATROOM = '00000000-0000-7000-8000-0000000000ff';

withServices([database], (database) => {
  describe('EntityManagers.query on PostgreSQL', () => {
    let persistence: Awaited<ReturnType<typeof migratedPersistence>>;
    let ems: EntityManagers;

    beforeAll(async () => {
      persistence = await migratedPersistence({ clientUrl: database.url });
      await persistence.fixture();
      ems = new EntityManagers(persistence.orm);
    });

    afterAll(async () => {
      await persistence?.close();
      await database.drop();
    });

    it('runs a statement as a named prepared statement, its values bound in order', async () => {
      // The statement is prepared before it runs, so the session's pg_prepared_statements already lists it.
      const sql = `select name, statement, ?::text as first, ?::int as second from pg_prepared_statements
        where statement like '%prepared-probe%'`;
      for (let i = 0; i < 3; i++) {
        const rows = await ems.query<{ name: string; statement: string; first: string; second: number }>(
          sql,
          ['a', 2],
        );
        expect(rows).toHaveLength(1);
        expect(rows[0]!.name).toMatch(/^gc_/);
        expect(rows[0]!.statement).toContain('$1::text as first, $2::int as second');
        expect(rows[0]).toMatchObject({ first: 'a', second: 2 });
      }
    });

    it('gives a text the same name in every EntityManagers on one pool (no clash between them)', async () => {
      const other = new EntityManagers(persistence.orm);
      const sql =
        "select name from pg_prepared_statements where statement like '%same-name-probe%' and ? = ?";
      const [mine] = await ems.query<{ name: string }>(sql, [1, 1]);
      const [theirs] = await other.query<{ name: string }>(sql, [1, 1]);
      expect(theirs!.name).toBe(mine!.name);
    });

    it('joins the open transaction: its writes are seen inside and undone with it', async () => {
      const unitOfWork = new PostgresUnitOfWork(ems);
      await ems.query(
        "insert into users (id, mobile, token_version, created_at) values (?, '+15550000001', 0, now())",
        [USER],
      );
      const insideCount = { value: -1 };
      await expect(
        unitOfWork.atomically(async () => {
          await ems.query('update users set token_version = token_version + 1 where id = ?', [USER]);
          const [row] = await ems.query<{ token_version: number }>(
            'select token_version from users where id = ?',
            [USER],
          );
          insideCount.value = row!.token_version;
          throw new Error('roll it back');
        }),
      ).rejects.toThrow('roll it back');
      expect(insideCount.value).toBe(1);
      const [after] = await ems.query<{ token_version: number }>(
        'select token_version from users where id = ?',
        [USER],
      );
      expect(after!.token_version).toBe(0);
    });

    it("throws MikroORM's exception for what PostgreSQL refuses, as the EntityManager would", async () => {
      const insert = `insert into messages (id, chatroom_id, role, content, status, created_at)
        values (gen_random_uuid(), ?, 'user', 'hi', 'completed', now())`;
      await expect(ems.query(insert, [NO_SUCH_CHATROOM])).rejects.toBeInstanceOf(
        ForeignKeyConstraintViolationException,
      );
    });
  });
});
