import { describe, expect, it } from 'vitest';
import { CONTENT_MAX_LENGTH, Message } from '#domain/chatroom/message.ts';
import { ValidationFailed } from '#domain/shared/domain-error.ts';

const now = new Date('2026-11-23T10:00:00.000Z');

function exchange(content: string) {
  return Message.exchange({ promptId: 'p', replyId: 'r', chatroomId: 'room', content, now });
}

describe('Message.exchange', () => {
  it('makes a completed user prompt and a pending model reply that answers it', () => {
    const { prompt, reply } = exchange('  Hello  ');
    expect(prompt).toMatchObject({
      id: 'p',
      role: 'user',
      content: 'Hello',
      status: 'completed',
      inReplyTo: null,
    });
    expect(reply).toMatchObject({
      id: 'r',
      role: 'model',
      content: '',
      status: 'pending',
      error: null,
      inReplyTo: 'p',
    });
    expect(reply.isPending).toBe(true);
    expect(prompt.isPending).toBe(false);
    expect(prompt.createdAt).toEqual(now);
    expect(reply.createdAt).toEqual(now);
  });

  it('accepts up to 8000 characters after trimming', () => {
    expect(CONTENT_MAX_LENGTH).toBe(8000);
    expect(exchange(` ${'a'.repeat(8000)} `).prompt.content).toHaveLength(8000);
  });

  it.each(['', '   \n\t', 'a'.repeat(8001), 'before\u0000after', '\u0000'])(
    'refuses the content %j',
    (content) => {
      expect(() => exchange(content)).toThrow(ValidationFailed);
    },
  );

  it('reports the content field', () => {
    expect(() => exchange('nul \u0000 inside')).toThrow(
      expect.objectContaining({ errors: [{ path: 'content', message: 'must not contain a NUL character' }] }),
    );
  });
});

describe('Message.complete and Message.fail', () => {
  const tokenUsage = { promptTokens: 1, candidateTokens: 2, totalTokens: 3 };

  it('settle a pending reply with the answer or the reason', () => {
    const { reply } = exchange('Hello');
    expect(reply.complete('Hi!', tokenUsage)).toMatchObject({
      status: 'completed',
      content: 'Hi!',
      tokenUsage,
    });
    expect(reply.fail('model down')).toMatchObject({ status: 'failed', content: '', error: 'model down' });
  });

  it('refuse a reply that is no longer pending', () => {
    const { prompt, reply } = exchange('Hello');
    const completed = reply.complete('Hi!', null)!;
    const failed = reply.fail('model down')!;
    for (const settled of [completed, failed, prompt]) {
      expect(settled.complete('again', null)).toBeNull();
      expect(settled.fail('again')).toBeNull();
    }
  });
});
