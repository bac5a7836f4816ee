import type { OpenAPIHono } from '@hono/zod-openapi';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import type { UseCases } from '#application/use-cases.ts';
import type { AppEnv } from '../auth-middleware.ts';
import { json, jsonBody, problems, requestHeaders } from '../openapi.ts';
import { messageJson } from '../presenters.ts';
import { rateLimitHeaders, reportQuota } from '../quota-headers.ts';
import { replyStreamResponse, wantsEventStream } from '../reply-stream-response.ts';
import { answerHeader } from '../response-headers.ts';
import * as S from '../schemas.ts';
import { securedRoutes } from '../secured-route.ts';

/** `Prefer: respond-async` (RFC 7240), possibly among other preferences. */
function prefersAsync(header: string | undefined): boolean {
  return (header ?? '')
    .split(',')
    .some((preference) => preference.trim().toLowerCase().startsWith('respond-async'));
}

const eventStream = (description: string) => ({
  description,
  content: { 'text/event-stream': { schema: S.UiMessageStream } },
});
const location = { description: '/chatroom/{id}/messages/{replyId}', schema: { type: 'string' as const } };
const notFound: [number, string] = [404, 'NOT_FOUND: no such chatroom or model message of yours'];

const sendHeaders = requestHeaders(S.SendMessageHeaders);
const streamHeaders = requestHeaders(S.StreamHeaders);

export function messageRoutes(app: OpenAPIHono<AppEnv>, useCases: UseCases): void {
  const securedRoute = securedRoutes(useCases.authenticate);

  app.openapi(
    securedRoute(
      {
        method: 'post',
        path: '/chatroom/{id}/message',
        tags: ['Messages'],
        summary:
          'Send a prompt; waits for the reply, or answers 202 with `Prefer: respond-async`, or streams it with `Accept: text/event-stream`',
        request: { params: S.ChatroomParams, body: jsonBody(S.SendMessageBody) },
        parameters: sendHeaders.parameters,
        responses: {
          200: {
            ...eventStream(
              'With Accept: text/event-stream: the reply as it is written (UI message stream v1)',
            ),
            headers: { ...rateLimitHeaders, Location: location },
          },
          201: json(
            S.SendMessageResult,
            'The prompt and the ended reply (completed, or stopped)',
            rateLimitHeaders,
          ),
          202: json(S.SendMessageResult, 'Accepted: the reply is pending; poll or stream the Location', {
            ...rateLimitHeaders,
            Location: location,
          }),
          ...problems(
            [400, 'VALIDATION_FAILED or MALFORMED_JSON'],
            [404, 'NOT_FOUND'],
            [422, 'IDEMPOTENCY_KEY_MISMATCH: the key was used for another chatroom or content'],
            [429, 'QUOTA_EXCEEDED, with Retry-After to the next UTC midnight'],
            [502, 'MODEL_UNAVAILABLE: the reply failed after retries (messageId, replyId in the body)'],
            [503, 'NOT_READY: the database or the queue is unreachable (nothing was stored or charged)'],
          ),
        },
      },
      reportQuota(useCases.getMe),
    ),
    async (c) => {
      const chatroomId = c.req.valid('param').id;
      const { 'idempotency-key': idempotencyKey } = sendHeaders.read(c);
      const streaming = wantsEventStream(c.req.header('Accept'));
      const async = prefersAsync(c.req.header('Prefer'));
      const result = await useCases.sendMessage.execute({
        userId: c.get('principal').user.id,
        chatroomId,
        content: c.req.valid('json').content,
        mode: streaming ? 'stream' : async ? 'async' : 'wait',
        idempotencyKey,
        requestId: c.get('requestId'),
      });
      c.set('usageTaken', result.usage);
      const replyLocation = `/chatroom/${chatroomId}/messages/${result.reply.id}`;
      if (streaming) {
        const follow = useCases.followReply.follow(result.reply, result.usage);
        return replyStreamResponse(c, follow, { Location: replyLocation }) as never;
      }
      if (result.outcome === 'failed') {
        throw new ServiceUnavailable(
          'model',
          `The model could not answer: ${result.reply.error ?? 'unknown error'}`,
          { extensions: { messageId: result.message.id, replyId: result.reply.id } },
        );
      }
      const body = { message: messageJson(result.message), reply: messageJson(result.reply) };
      if (result.outcome !== 'pending') return c.json(body, 201);
      if (async) answerHeader(c, 'Preference-Applied', 'respond-async');
      answerHeader(c, 'Location', replyLocation);
      return c.json(body, 202);
    },
  );

  app.openapi(
    securedRoute({
      method: 'get',
      path: '/chatroom/{id}/messages/{messageId}/stream',
      tags: ['Messages'],
      summary: 'Follow a model reply as it is written, or resume after Last-Event-ID (from any API process)',
      request: { params: S.MessageParams },
      parameters: streamHeaders.parameters,
      responses: {
        200: eventStream(
          'The reply’s events: live while pending, its whole outcome at once when it has ended',
        ),
        ...problems(notFound),
      },
    }),
    async (c) => {
      const { id, messageId } = c.req.valid('param');
      const follow = await useCases.followReply.execute({
        userId: c.get('principal').user.id,
        chatroomId: id,
        messageId,
        lastEventId: streamHeaders.read(c)['last-event-id'],
      });
      return replyStreamResponse(c, follow) as never;
    },
  );

  app.openapi(
    securedRoute({
      method: 'post',
      path: '/chatroom/{id}/messages/{messageId}/stop',
      tags: ['Messages'],
      summary: 'Stop a pending reply: the text so far is kept with status "stopped"',
      request: { params: S.MessageParams },
      responses: {
        200: json(S.Message, 'The reply as it ended (or as it was, when it had already ended)'),
        ...problems(notFound),
      },
    }),
    async (c) => {
      const { id, messageId } = c.req.valid('param');
      const reply = await useCases.stopReply.execute({
        userId: c.get('principal').user.id,
        chatroomId: id,
        messageId,
      });
      return c.json(messageJson(reply), 200);
    },
  );
}
