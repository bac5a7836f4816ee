import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { PersistenceFixture } from '#test/contract/fixtures.ts';
import { anExchange, aUser } from '#test/support/builders.ts';
import { migratedPersistence } from '#test/support/postgres-persistence.ts';
import { replyContextPlans } from '#test/support/reply-context-plans.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';

const database = await createTestDatabase();

/** Messages in each of the sender's 8 chatrooms: long conversations, as on a database in use for a while. */
const HISTORY = 4000;

withServices([database], (database) => {
  describe("a send's admit and a reply's context on PostgreSQL, with long conversations", () => {
    let persistence: Awaited<ReturnType<typeof migratedPersistence>>;
    let repositories: PersistenceFixture;
    const user = aUser();
    const rooms: string[] = [];

    beforeAll(async () => {
      // One connection, so that the session whose prepared statements are read is the one that ran them.
      persistence = await migratedPersistence({ clientUrl: database.url, pool: { min: 1, max: 1 } });
      repositories = await persistence.fixture();
      await repositories.users.create(user);
      for (let i = 0; i < 8; i++) {
        const room = Chatroom.open({ id: crypto.randomUUID(), ownerId: user.id, now: new Date() });
        await repositories.chatrooms.create(room);
        rooms.push(room.id);
      }
      const em = persistence.orm.em.fork();
      await em.execute(
        `insert into messages (id, chatroom_id, role, content, status, created_at)
         select gen_random_uuid(), room, case when g % 2 = 0 then 'user' else 'model' end, 'Earlier', 'completed',
                now() - ((${HISTORY} - g) * interval '1 second')
         from unnest(?::uuid[]) room, generate_series(0, ${HISTORY - 1}) g`,
        [`{${rooms.join(',')}}`],
      );
      await em.execute('vacuum analyze');
    });

    afterAll(async () => {
      await persistence?.close();
      await database.drop();
    });

    it('is planned once and reused (a generic plan), not planned again on every send', async () => {
      for (let i = 0; i < 12; i++) {
        const { prompt, reply } = anExchange({ chatroomId: rooms[i % rooms.length]!, now: new Date() });
        const taken = await repositories.messages.addCountedExchange(prompt, reply, {
          userId: user.id,
          day: '2026-12-01',
          limits: { basic: 1000, pro: null },
          historyLength: 20,
        });
        expect(taken).toMatchObject({ admitted: true, used: i + 1 });
        expect(taken.admitted && taken.history).toHaveLength(20);
      }
      const [plans] = await persistence.orm.em
        .fork()
        .execute<{ generic_plans: string; custom_plans: string }[]>(
          "select generic_plans, custom_plans from pg_prepared_statements where statement like '%pg_advisory_xact_lock%'",
        );
      // PostgreSQL plans a prepared statement for its values 5 times, then keeps a generic plan if it is no dearer.
      expect(Number(plans!.custom_plans)).toBe(5);
      expect(Number(plans!.generic_plans)).toBe(7);
    });

    it("reads a reply's context on its generic plan (made without the values), walking the chatroom's index", async () => {
      const { prompt, reply } = anExchange({ chatroomId: rooms[0]!, now: new Date() });
      await repositories.messages.addExchange(prompt, reply);
      const context = await repositories.messages.replyContext(reply.id, 20);
      expect(context?.prompt?.id).toBe(prompt.id);
      expect(context?.history).toHaveLength(20);
      const plans = (await replyContextPlans(database.url, reply.id)).join('\n');
      expect(plans).toContain('Index Scan Backward using messages_chatroom_created_id_idx');
      expect(plans).not.toContain('Sort');
      // A plan made for the values would show them in its conditions; the generic one shows parameters.
      expect(plans).not.toContain(reply.id);
      expect(plans).not.toContain(prompt.id);
      expect(plans).toMatch(/Index Cond: \(id = \$\d+\)/);
    });
  });
});
