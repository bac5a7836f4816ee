import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numberedPlaceholders } from '#adapters/persistence/postgres/entity-managers.ts';
import type { PersistenceFixture } from '#test/contract/fixtures.ts';
import { anExchange } from '#test/support/builders.ts';
import { migratedPersistence } from '#test/support/postgres-persistence.ts';
import { replyContextPlans } from '#test/support/reply-context-plans.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';

const database = await createTestDatabase();
const inUse = await createTestDatabase();

const OWNER = '00000000-0000-7000-8000-000000000042';

/** 2,000 users with 10 chatrooms each; 200 of the chatrooms hold 250 messages each. */
const SEED = [
  `insert into users (id, mobile, token_version, created_at)
     select ('00000000-0000-7000-8000-' || lpad(g::text, 12, '0'))::uuid, '+9190000' || lpad(g::text, 5, '0'), 0, now()
     from generate_series(1, 2000) g`,
  `insert into chatrooms (id, owner_id, title, created_at, updated_at)
     select gen_random_uuid(), ('00000000-0000-7000-8000-' || lpad((1 + g % 2000)::text, 12, '0'))::uuid, 'Ideas',
            now() - g * interval '1 second', now()
     from generate_series(1, 20000) g`,
  `insert into messages (id, chatroom_id, role, content, status, created_at)
     select gen_random_uuid(), c.id, 'user', 'Hello', 'completed', now() - g * interval '1 second'
     from (select id from chatrooms order by id limit 200) c, generate_series(1, 250) g`,
  'analyze',
];

withServices([database], (database) => {
  describe('query plans on PostgreSQL', () => {
    const sent: { sql: string; params: readonly unknown[] }[] = [];
    let persistence: Awaited<ReturnType<typeof migratedPersistence>>;
    let repositories: PersistenceFixture;

    beforeAll(async () => {
      persistence = await migratedPersistence({
        clientUrl: database.url,
        onQuery: (sql, params) => {
          sent.push({ sql, params });
          return sql;
        },
      });
      repositories = await persistence.fixture();
      for (const statement of SEED) await persistence.orm.em.fork().execute(statement);
    });

    afterAll(async () => {
      await persistence?.close();
      await database.drop();
    });

    /** The plan of each statement `work` sends, in order. */
    async function plansOf(work: () => Promise<unknown>): Promise<string[]> {
      sent.length = 0;
      await work();
      const statements = sent.splice(0);
      const plans = [];
      for (const { sql, params } of statements) {
        const rows = await persistence.orm.em.fork().execute(`explain (costs off) ${sql}`, [...params]);
        plans.push(rows.map((row) => row['QUERY PLAN']).join('\n'));
      }
      return plans;
    }

    it('pages messages by walking messages_chatroom_created_id_idx backwards, with no sort', async () => {
      const [first] = await persistence.orm.em
        .fork()
        .execute<{ id: string }[]>('select id from chatrooms order by id limit 1');
      const chatroomId = first!.id;
      const latest = await repositories.messages.page(chatroomId, { limit: 50 });
      const plans = await plansOf(async () => {
        await repositories.messages.page(chatroomId, { limit: 50 });
        await repositories.messages.page(chatroomId, { limit: 50, before: latest.messages[0]! });
        await repositories.messages.historyBefore(latest.messages[10]!, 20);
      });
      expect(plans).toHaveLength(3);
      for (const plan of plans) {
        expect(plan).toContain('Index Scan Backward using messages_chatroom_created_id_idx');
        expect(plan).not.toContain('Sort');
      }
    });

    it("reads a reply's context by walking messages_chatroom_created_id_idx back from the prompt, with no sort", async () => {
      // The worker's one read per reply, in a chatroom of 250 messages: it must stop after the history it needs.
      const [first] = await persistence.orm.em
        .fork()
        .execute<{ id: string }[]>('select id from chatrooms order by id limit 1');
      const promptId = '00000000-0000-7000-8000-0000000a0001';
      const replyId = '00000000-0000-7000-8000-0000000a0002';
      await persistence.orm.em.fork().execute(
        `insert into messages (id, chatroom_id, role, content, status, in_reply_to, created_at)
         values (?, ?, 'user', 'Hi', 'completed', null, now()), (?, ?, 'model', '', 'pending', ?, now())`,
        [promptId, first!.id, replyId, first!.id, promptId],
      );
      const context = await repositories.messages.replyContext(replyId, 20);
      expect(context?.prompt?.id).toBe(promptId);
      expect(context?.history).toHaveLength(20);
      const plans = await replyContextPlans(database.url, replyId);
      expect(plans.join('\n')).toContain('Index Scan Backward using messages_chatroom_created_id_idx');
      expect(plans.join('\n')).not.toContain('Sort');
      expect(plans.join('\n')).not.toContain('Bitmap');
    });

    it("reads the history with a send's admit statement by walking messages_chatroom_created_id_idx backwards, with no sort", async () => {
      const [room] = await persistence.orm.em
        .fork()
        .execute<{ id: string; owner_id: string }[]>(
          'select c.id, c.owner_id from chatrooms c where exists (select 1 from messages m where m.chatroom_id = c.id) order by c.id offset 1 limit 1',
        );
      const { prompt, reply } = anExchange({ chatroomId: room!.id, now: new Date() });
      const count = {
        userId: room!.owner_id,
        day: '2026-12-01',
        limits: { basic: null, pro: null },
        historyLength: 20,
      };
      const [plan] = await plansOf(() => repositories.messages.addCountedExchange(prompt, reply, count));
      expect(plan).toContain('Index Scan Backward using messages_chatroom_created_id_idx');
      expect(plan).not.toContain('Sort');
      expect(plan).not.toContain('Bitmap');
      const later = anExchange({ chatroomId: room!.id, now: new Date(Date.now() + 1000) });
      const taken = await repositories.messages.addCountedExchange(later.prompt, later.reply, count);
      expect(taken.history).toHaveLength(20);
      expect(taken.history?.at(-1)?.id).toBe(prompt.id);
    });

    it('finds the replies the reconciler looks for on messages_pending_replies_idx, never scanning messages', async () => {
      const createdBefore = new Date(Date.now() - 30_000);
      const [plan] = await plansOf(() => repositories.messages.pendingReplies(10_000, { createdBefore }));
      expect(plan).toContain('Index Scan using messages_pending_replies_idx on messages');
      expect(plan).not.toContain('Seq Scan on messages');
    });

    it("lists a user's chatrooms through chatrooms_owner_created_id_idx", async () => {
      const [plan] = await plansOf(() => repositories.chatrooms.listOwned(OWNER));
      expect(plan).toContain('chatrooms_owner_created_id_idx');
      expect(plan).not.toContain('Seq Scan');
    });
  });
});

/**
 * A prepared statement run more than five times may keep a generic plan, made without its values: such a plan must
 * not be one whose cost grows with what the table accumulates between two vacuums.
 */
withServices([inUse], (inUse) => {
  describe('generic plans of the prepared statements', () => {
    const sent: { sql: string; params: readonly unknown[] }[] = [];
    let persistence: Awaited<ReturnType<typeof migratedPersistence>>;
    let repositories: PersistenceFixture;
    let session: pg.Client;

    beforeAll(async () => {
      persistence = await migratedPersistence({
        clientUrl: inUse.url,
        onQuery: (sql, params) => {
          sent.push({ sql, params });
          return sql;
        },
      });
      repositories = await persistence.fixture();
      session = new pg.Client({ connectionString: inUse.url });
      await session.connect();
      await session.query('set plan_cache_mode = force_generic_plan');
    });

    afterAll(async () => {
      await session?.end();
      await persistence?.close();
      await inUse.drop();
    });

    it('settles a reply through the primary key, not by scanning the pending replies', async () => {
      const user = '00000000-0000-7000-8000-0000000000b1';
      const room = '00000000-0000-7000-8000-0000000000b2';
      const reply = '00000000-0000-7000-8000-0000000000b4';
      await session.query(
        "insert into users (id, mobile, token_version, created_at) values ($1, '+919100000001', 0, now())",
        [user],
      );
      await session.query(
        "insert into chatrooms (id, owner_id, title, created_at, updated_at) values ($1, $2, 'Small', now(), now())",
        [room, user],
      );
      // A database in use: many ended replies, a few being written, its statistics up to date. The partial index of
      // pending replies looks tiny to the planner, but holds an entry for every reply since the last vacuum.
      await session.query(
        `insert into messages (id, chatroom_id, role, content, status, in_reply_to, created_at)
         select gen_random_uuid(), $1, 'model', 'Done', 'completed', null, now() from generate_series(1, 2000)`,
        [room],
      );
      await session.query(
        `insert into messages (id, chatroom_id, role, content, status, in_reply_to, created_at)
         values ($1, $2, 'model', '', 'pending', null, now())`,
        [reply, room],
      );
      await session.query('analyze messages');
      sent.length = 0;
      expect(await repositories.messages.complete(reply, 'Done', null)).toBe(true);
      const [settle] = sent.splice(0).filter(({ sql }) => sql.startsWith('update messages'));
      await session.query(`prepare settle as ${numberedPlaceholders(settle!.sql)}`);
      const values = settle!.params.map((value) =>
        value === null ? 'null' : session.escapeLiteral(String(value)),
      );
      const plan = await session.query<{ 'QUERY PLAN': string }>(
        `explain execute settle(${values.join(', ')})`,
      );
      const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('Index Scan using messages_pkey on messages');
      expect(text).not.toContain('messages_pending');
    });
  });
});
