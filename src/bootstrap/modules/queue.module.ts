import { ContainerModule } from 'inversify';
import { InProcessReplyQueue } from '#adapters/queue/in-process-reply-queue.ts';
import type { ReplyQueue } from '#application/ports/reply-queue.ts';
import { TOKENS } from '../tokens.ts';

/** Replies produced inside this process, with the same retry policy as the real queue. */
export function inProcessQueueModule(backoffMs: number): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.ReplyQueue)
      .toResolvedValue(
        (handler, logger) => new InProcessReplyQueue({ handler, logger, backoffMs }),
        [TOKENS.ReplyJobHandler, TOKENS.Logger],
      )
      .inSingletonScope();
  });
}

export function externalQueueModule(queue: ReplyQueue): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.ReplyQueue).toConstantValue(queue);
  });
}
