import { OfflineLanguageModel } from '#adapters/llm/offline-language-model.ts';
import { StripePaymentEventVerifier } from '#adapters/payments/stripe-payment-event-verifier.ts';
import { postgresRepositories } from '#adapters/persistence/postgres/repositories.ts';
import { InProcessReplyQueue } from '#adapters/queue/in-process-reply-queue.ts';
import { InProcessReplyEvents } from '#adapters/streams/in-process-reply-events.ts';
import { UuidV7Ids } from '#adapters/system/uuid-v7-ids.ts';
import { SignUp } from '#application/auth/sign-up.ts';
import { ApplyPaymentEvent } from '#application/billing/apply-payment-event.ts';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import { SendMessage } from '#application/messaging/send-message.ts';
import type { Config } from '#bootstrap/config.ts';
import { openDatabase } from '#bootstrap/database.ts';
import { FakePasswordHasher } from './auth-doubles.ts';
import { FixedClock } from './clock.ts';
import { SilentLogger } from './silent-logger.ts';
import { TEST_SETTINGS } from './world.ts';

/**
 * What one service process holds for the database tests: its own connection (pool or embedded database) and the use
 * cases that write through it, each call run in its own scope as the HTTP adapter and the queue do.
 */
export async function aDatabaseProcess(config: Config['database'], clock = new FixedClock()) {
  const logger = new SilentLogger();
  const database = await openDatabase(config, logger);
  const repositories = postgresRepositories(database.ems);
  const scope = <T>(work: () => Promise<T>) => database.ems.scope(work);
  const { users, chatrooms, messages, subscriptions, usage } = repositories;
  const ids = new UuidV7Ids();
  const settings = TEST_SETTINGS;
  const replyEvents = new InProcessReplyEvents();
  const events = { events: replyEvents, cancellation: replyEvents };
  const handler = new GenerateReply({
    messages,
    usage,
    logger,
    model: new OfflineLanguageModel(),
    ...events,
  });
  const queue = new InProcessReplyQueue({
    handler: {
      handle: (job) => scope(() => handler.handle(job)),
      giveUp: (job, e) => handler.giveUp(job, e),
    },
    logger,
  });
  const signUp = new SignUp({ users, hasher: new FakePasswordHasher(), ids, clock });
  const sendMessage = new SendMessage({
    idempotencyKeys: repositories.idempotencyKeys,
    chatrooms,
    messages,
    subscriptions,
    usage,
    queue,
    ids,
    clock,
    logger,
    settings,
  });
  const applyPaymentEvent = new ApplyPaymentEvent({
    verifier: new StripePaymentEventVerifier('whsec_unused_the_tests_pass_parsed_events'),
    subscriptions,
    users,
    clock,
    logger,
  });
  return {
    database,
    repositories,
    signUp: (input: Parameters<SignUp['execute']>[0]) => scope(() => signUp.execute(input)),
    sendMessage: (input: Parameters<SendMessage['execute']>[0]) => scope(() => sendMessage.execute(input)),
    applyPaymentEvent: (event: Parameters<ApplyPaymentEvent['apply']>[0]) =>
      scope(() => applyPaymentEvent.apply(event)),
    async close() {
      await queue.close();
      await database.close();
    },
  };
}

export type DatabaseProcess = Awaited<ReturnType<typeof aDatabaseProcess>>;
