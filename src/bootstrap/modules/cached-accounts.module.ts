import { ContainerModule } from 'inversify';
import {
  AccountChanges,
  AccountChangesMessages,
  AccountChangesSubscriptions,
  AccountChangesUnitOfWork,
  AccountChangesUsageCounter,
  CachedAccountStandings,
} from '#adapters/cache/cached-account-standings.ts';
import { TOKENS } from '../tokens.ts';

/** How long a cached account standing lives without a change (a change replaces it at once). */
const TTL_SECONDS = 300;

/**
 * With a database, GET /user/me's account standing is read through the cache (Redis when configured), and the
 * ports that change it (usage, prompts counted with their exchange, subscriptions, and the unit of work that commits
 * them) report their changes.
 */
export const cachedAccountsModule = new ContainerModule(({ bind, onActivation }) => {
  bind(AccountChanges)
    .toResolvedValue((cache, logger) => new AccountChanges({ cache, logger }), [TOKENS.Cache, TOKENS.Logger])
    .inSingletonScope();
  // Each request and job: the bumps its writes start run beside the rest of it, and are done before it ends.
  onActivation(TOKENS.Scope, ({ get }, scope) => {
    const changes = get(AccountChanges);
    return (work) => scope(() => changes.deferring(work));
  });
  onActivation(TOKENS.AccountStandings, ({ get }, standings) => {
    const changes = get(AccountChanges);
    return new CachedAccountStandings({
      standings,
      cache: get(TOKENS.Cache),
      changes,
      ttlSeconds: TTL_SECONDS,
      logger: get(TOKENS.Logger),
    });
  });
  onActivation(
    TOKENS.UnitOfWork,
    ({ get }, unitOfWork) => new AccountChangesUnitOfWork(unitOfWork, get(AccountChanges)),
  );
  onActivation(
    TOKENS.MessageRepository,
    ({ get }, messages) => new AccountChangesMessages(messages, get(AccountChanges)),
  );
  onActivation(
    TOKENS.UsageCounter,
    ({ get }, usage) => new AccountChangesUsageCounter(usage, get(AccountChanges)),
  );
  onActivation(
    TOKENS.SubscriptionRepository,
    ({ get }, subscriptions) => new AccountChangesSubscriptions(subscriptions, get(AccountChanges)),
  );
});
