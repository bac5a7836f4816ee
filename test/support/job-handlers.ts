import { LanguageModelError } from '#application/ports/language-model.ts';
import type { ReplyContext } from '#application/ports/message-repository.ts';
import type { ReplyJobHandler } from '#application/ports/reply-queue.ts';

/** A handler whose first run fails (retryably) and whose later ones succeed, recording the context each run got. */
export function failingOnceRecordingContexts(): {
  handler: ReplyJobHandler;
  seen: (ReplyContext | undefined)[];
} {
  const seen: (ReplyContext | undefined)[] = [];
  const handler: ReplyJobHandler = {
    handle: async (_job, context) => {
      seen.push(context);
      if (seen.length === 1) throw new LanguageModelError('busy', { retryable: true });
    },
    giveUp: async () => {},
  };
  return { handler, seen };
}
