import type { OpenAPIHono } from '@hono/zod-openapi';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import type { UseCases } from '#application/use-cases.ts';
import type { AppEnv } from '../auth-middleware.ts';
import { json, jsonBody, problems } from '../openapi.ts';
import { messageJson } from '../presenters.ts';
import { rateLimitHeaders, reportQuota } from '../quota-headers.ts';
import * as S from '../schemas.ts';
import { securedRoutes } from '../secured-route.ts';

/** `Prefer: respond-async` (RFC 7240), possibly among other preferences. */
function prefersAsync(header: string | undefined): boolean {
  return (header ?? '')
    .split(',')
    .some((preference) => preference.trim().toLowerCase().startsWith('respond-async'));
}

export function messageRoutes(app: OpenAPIHono<AppEnv>, useCases: UseCases): void {
  const securedRoute = securedRoutes(useCases.authenticate);

  app.openapi(
    securedRoute(
      {
        method: 'post',
        path: '/chatroom/{id}/message',
        tags: ['Messages'],
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
            [404, 'NOT_FOUND'],
            [429, 'QUOTA_EXCEEDED, with Retry-After to the next UTC midnight'],
            [502, 'MODEL_UNAVAILABLE: the reply failed after retries (messageId, replyId in the body)'],
            [503, 'NOT_READY: the queue is unreachable'],
          ),
        },
      },
      reportQuota(useCases.getMe),
    ),
    async (c) => {
      const chatroomId = c.req.valid('param').id;
      const result = await useCases.sendMessage.execute({
        userId: c.get('principal').user.id,
        chatroomId,
        content: c.req.valid('json').content,
        respondAsync: prefersAsync(c.req.header('Prefer')),
      });
      c.set('usageTaken', result.usage);
      if (result.reply.status === 'failed') {
        throw new ServiceUnavailable(
          'model',
          `The model could not answer: ${result.reply.error ?? 'unknown error'}`,
          { extensions: { messageId: result.message.id, replyId: result.reply.id } },
        );
      }
      const body = { message: messageJson(result.message), reply: messageJson(result.reply) };
      if (!result.accepted) return c.json(body, 201);
      if (prefersAsync(c.req.header('Prefer'))) c.header('Preference-Applied', 'respond-async');
      c.header('Location', `/chatroom/${chatroomId}/messages/${result.reply.id}`);
      return c.json(body, 202);
    },
  );
}
