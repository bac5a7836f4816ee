import { ContainerModule } from 'inversify';
import { CachedChatroomRepository } from '#adapters/cache/cached-chatroom-repository.ts';
import { TOKENS } from '../tokens.ts';

/** Whatever repository persistence binds, the use cases get it behind the per-owner list cache. */
export function cachedChatroomsModule(ttlSeconds: number): ContainerModule {
  return new ContainerModule(({ onActivation }) => {
    onActivation(
      TOKENS.ChatroomRepository,
      ({ get }, repository) =>
        new CachedChatroomRepository({
          repository,
          cache: get(TOKENS.Cache),
          logger: get(TOKENS.Logger),
          ttlSeconds,
        }),
    );
  });
}
