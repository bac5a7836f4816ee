import { afterAll, describe, expect, it } from 'vitest';
import { type LanguageModel, LanguageModelError } from '#application/ports/language-model.ts';
import { TOKENS } from '#bootstrap/tokens.ts';
import { pollUntil } from '#test/http/helpers.ts';
import { replace, signedInUser, startTestApp } from '#test/support/http.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';

/** A model that is down; its error is worth retrying, so the job waits in the queue. */
const downModel: LanguageModel = {
  reply: async () => {
    throw new LanguageModelError('The model is temporarily unavailable', { retryable: true });
  },
  stream: () => {
    throw new Error('not used');
  },
};

const database = await createTestDatabase();

withServices([database], (database) => {
  describe('replies left pending by a stopped process', () => {
    afterAll(() => database.drop());

    it('are produced after the next start', async () => {
      const env = { DATABASE_URL: database.url, REPLY_BACKOFF_MS: '60000' };
      const first = await startTestApp({ env, overrides: [replace(TOKENS.LanguageModel, downModel)] });
      const user = await signedInUser(first.client);
      const room = await first.client.post('/chatroom', {}, { token: user.token });
      const sent = await first.client.post(
        `/chatroom/${room.body.id}/message`,
        { content: 'Are you there?' },
        { token: user.token, headers: { Prefer: 'respond-async' } },
      );
      expect(sent.status).toBe(202);
      await first.close();

      const second = await startTestApp({ env });
      try {
        const { body: reply } = await pollUntil(
          second.client,
          sent.headers.get('Location')!,
          user.token,
          (body) => body.status !== 'pending',
        );
        expect(reply).toMatchObject({
          status: 'completed',
          content: '(offline model) You said: Are you there?',
        });
      } finally {
        await second.close();
      }
    });
  });
});
