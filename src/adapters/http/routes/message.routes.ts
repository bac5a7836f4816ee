import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { UseCases } from '#application/use-cases.ts';
import { ModelUnavailable } from '#domain/chatroom/chatroom-errors.ts';
import { QuotaExceeded, type Usage } from '#domain/quota/daily-quota.ts';
import type { AppEnv } from '../auth-middleware.ts';
import { bearer, json, jsonBody, problems } from '../openapi.ts';
import { messageJson } from '../presenters.ts';
import * as S from '../schemas.ts';

const rateLimitHeaders = {
  'RateLimit-Limit': {
    description: 'Daily prompt limit (omitted when unlimited)',
    schema: { type: 'integer' as const },
  },
  'RateLimit-Remaining': { description: 'Prompts left today', schema: { type: 'integer' as const } },
  'RateLimit-Reset': {
    description: 'Seconds until the next UTC midnight',
    schema: { type: 'integer' as const },
  },
};

/** `Prefer: respond-async` (RFC 7240), possibly among other preferences. */
function prefersAsync(header: string | undefined): boolean {
  return (header ?? '')
    .split(',')
    .some((preference) => preference.trim().toLowerCase().startsWith('respond-async'));
}

function setQuotaHeaders(headers: { set(name: string, value: string): void }, usage: Usage): void {
  if (usage.limit === null) return;
  headers.set('RateLimit-Limit', String(usage.limit));
  headers.set('RateLimit-Remaining', String(usage.remaining ?? 0));
  headers.set('RateLimit-Reset', String(usage.resetsInSeconds));
}

export function messageRoutes(app: OpenAPIHono<AppEnv>, useCases: UseCases): void {
  // Every answer to a signed-in send carries the quota headers, also a 400 from the shape check or a 404 that
  // never reached the quota: the current usage is read for those.
  app.use('/chatroom/:id/message', async (c, next) => {
    await next();
    const principal = c.get('principal');
    if (c.req.method !== 'POST' || !principal || c.get('quotaReported')) return;
    try {
      setQuotaHeaders(c.res.headers, (await useCases.getMe.execute({ user: principal.user })).usage);
    } catch {
      // The usage could not be read (database down): the answer stands without the headers.
    }
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/chatroom/{id}/message',
      tags: ['Messages'],
      security: bearer,
      summary: 'Send a prompt; waits for the model’s reply unless `Prefer: respond-async`',
      request: { params: S.ChatroomParams, body: jsonBody(S.SendMessageBody) },
      responses: {
        201: json(S.SendMessageResult, 'The prompt and the completed reply', rateLimitHeaders),
        202: json(S.SendMessageResult, 'Accepted: the reply is pending; poll the Location header', {
          ...rateLimitHeaders,
          Location: { description: '/chatroom/{id}/messages/{replyId}', schema: { type: 'string' } },
        }),
        ...problems(
          [400, 'VALIDATION_FAILED or MALFORMED_JSON'],
          [401, 'UNAUTHORIZED'],
          [404, 'NOT_FOUND'],
          [429, 'QUOTA_EXCEEDED, with Retry-After to the next UTC midnight'],
          [502, 'MODEL_UNAVAILABLE: the reply failed after retries (messageId, replyId in the body)'],
          [503, 'NOT_READY: the queue is unreachable'],
        ),
      },
    }),
    async (c) => {
      const { user } = c.get('principal');
      const chatroomId = c.req.valid('param').id;
      const headers = {
        set: (name: string, value: string) => {
          c.header(name, value);
        },
      };
      try {
        const result = await useCases.sendMessage.execute({
          userId: user.id,
          chatroomId,
          content: c.req.valid('json').content,
          respondAsync: prefersAsync(c.req.header('Prefer')),
        });
        setQuotaHeaders(headers, result.usage);
        c.set('quotaReported', true);
        if (result.reply.status === 'failed') {
          throw new ModelUnavailable(
            result.message.id,
            result.reply.id,
            result.reply.error ?? 'unknown error',
          );
        }
        const body = { message: messageJson(result.message), reply: messageJson(result.reply) };
        if (!result.accepted) return c.json(body, 201);
        if (prefersAsync(c.req.header('Prefer'))) c.header('Preference-Applied', 'respond-async');
        c.header('Location', `/chatroom/${chatroomId}/messages/${result.reply.id}`);
        return c.json(body, 202);
      } catch (error) {
        if (error instanceof QuotaExceeded) {
          setQuotaHeaders(headers, error.usage);
          c.set('quotaReported', true);
        }
        throw error;
      }
    },
  );
}
