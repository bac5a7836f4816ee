import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIT_TURN_LOCK } from '#adapters/persistence/postgres/postgres-message-repository.ts';
import type { PersistenceFixture } from '#test/contract/fixtures.ts';
import { aChatroom, anExchange, aUser } from '#test/support/builders.ts';
import { migratedPersistence } from '#test/support/postgres-persistence.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';

const database = await createTestDatabase();

withServices([database], (database) => {
  describe("a user's admits on PostgreSQL", () => {
    let persistence: Awaited<ReturnType<typeof migratedPersistence>>;
    let repositories: PersistenceFixture;

    beforeAll(async () => {
      persistence = await migratedPersistence({ clientUrl: database.url });
      repositories = await persistence.fixture();
    });

    afterAll(async () => {
      await persistence?.close();
      await database.drop();
    });

    it("queue on the user's advisory lock, not on the quota row, and go on once it is free", async () => {
      const user = aUser();
      await repositories.users.create(user);
      const chatroom = aChatroom({ ownerId: user.id });
      await repositories.chatrooms.create(chatroom);
      const holder = new pg.Client({ connectionString: database.url });
      // Watches from outside the holder's transaction: inside it, pg_stat_activity is the snapshot its first read took.
      const observer = new pg.Client({ connectionString: database.url });
      await holder.connect();
      await observer.connect();
      try {
        await holder.query('begin');
        await holder.query('select pg_advisory_xact_lock($1, hashtext($2))', [ADMIT_TURN_LOCK, user.id]);
        const { prompt, reply } = anExchange({ chatroomId: chatroom.id });
        const count = { userId: user.id, day: '2026-12-01', limits: { basic: 5, pro: null } };
        const admit = repositories.messages.addCountedExchange(prompt, reply, count);

        // The admit waits on the advisory lock (the quota row does not exist yet: nothing else could hold it up).
        let waiting: unknown[] = [];
        for (let i = 0; i < 200 && waiting.length === 0; i++) {
          const { rows } = await observer.query(
            `select pid from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'advisory'
             and query like '%pg_advisory_xact_lock%' and datname = current_database()`,
          );
          waiting = rows;
          if (waiting.length === 0) await sleep(10);
        }
        expect(waiting).toHaveLength(1);

        await holder.query('commit');
        await expect(admit).resolves.toMatchObject({ admitted: true, used: 1 });
      } finally {
        await holder.end();
        await observer.end();
      }
    });
  });
});
