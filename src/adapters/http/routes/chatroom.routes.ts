import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { UseCases } from '#application/use-cases.ts';
import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { AppEnv } from '../auth-middleware.ts';
import { json, jsonBody, problems } from '../openapi.ts';
import { chatroomJson, messageJson } from '../presenters.ts';
import { answerHeader } from '../response-headers.ts';
import * as S from '../schemas.ts';
import { securedRoutes } from '../secured-route.ts';

const tags = ['Chatrooms'];
const notFound: [number, string] = [404, 'NOT_FOUND (also for an id that is not a UUID or not yours)'];
const invalid: [number, string] = [400, 'VALIDATION_FAILED or MALFORMED_JSON'];

export function chatroomRoutes(app: OpenAPIHono<AppEnv>, useCases: UseCases): void {
  const securedRoute = securedRoutes(useCases.authenticate);
  // A list served again as the same objects (see CachedChatroomRepository) is presented once.
  const presented = new WeakMap<readonly Chatroom[], ReturnType<typeof chatroomJson>[]>();
  const present = (chatrooms: readonly Chatroom[]) => {
    let shown = presented.get(chatrooms);
    if (!shown) {
      shown = chatrooms.map(chatroomJson);
      presented.set(chatrooms, shown);
    }
    return shown;
  };

  app.openapi(
    securedRoute({
      tags,
      method: 'post',
      path: '/chatroom',
      summary: 'Create a chatroom',
      request: { body: jsonBody(S.CreateChatroomBody, false) },
      responses: { 201: json(S.Chatroom, 'Created'), ...problems(invalid) },
    }),
    async (c) => {
      const chatroom = await useCases.createChatroom.execute({
        userId: c.get('principal').user.id,
        ...c.req.valid('json'),
      });
      return c.json(chatroomJson(chatroom), 201);
    },
  );

  app.openapi(
    securedRoute({
      tags,
      method: 'get',
      path: '/chatroom',
      summary: 'Your chatrooms, newest first (cached per user; X-Cache says HIT or MISS)',
      responses: {
        200: json(z.object({ chatrooms: z.array(S.Chatroom) }), 'The list', {
          'X-Cache': { description: 'HIT or MISS', schema: { type: 'string' } },
        }),
      },
    }),
    async (c) => {
      const { chatrooms, fromCache } = await useCases.listChatrooms.execute({
        userId: c.get('principal').user.id,
      });
      answerHeader(c, 'X-Cache', fromCache ? 'HIT' : 'MISS');
      return c.json({ chatrooms: present(chatrooms) }, 200);
    },
  );

  app.openapi(
    securedRoute({
      tags,
      method: 'get',
      path: '/chatroom/{id}',
      summary: 'A chatroom with its latest 50 messages, oldest first',
      request: { params: S.ChatroomParams },
      responses: { 200: json(S.ChatroomWithMessages, 'The chatroom'), ...problems(notFound) },
    }),
    async (c) => {
      const userId = c.get('principal').user.id;
      const { chatroom, messages, hasMore } = await useCases.getChatroom.execute({
        userId,
        chatroomId: c.req.valid('param').id,
      });
      return c.json({ ...chatroomJson(chatroom), messages: messages.map(messageJson), hasMore }, 200);
    },
  );

  app.openapi(
    securedRoute({
      tags,
      method: 'patch',
      path: '/chatroom/{id}',
      summary: 'Rename a chatroom',
      request: { params: S.ChatroomParams, body: jsonBody(S.RenameChatroomBody) },
      responses: { 200: json(S.Chatroom, 'Renamed'), ...problems(invalid, notFound) },
    }),
    async (c) => {
      const chatroom = await useCases.renameChatroom.execute({
        userId: c.get('principal').user.id,
        chatroomId: c.req.valid('param').id,
        title: c.req.valid('json').title,
      });
      return c.json(chatroomJson(chatroom), 200);
    },
  );

  app.openapi(
    securedRoute({
      tags,
      method: 'delete',
      path: '/chatroom/{id}',
      summary: 'Delete a chatroom and its messages',
      request: { params: S.ChatroomParams },
      responses: { 204: { description: 'Deleted' }, ...problems(notFound) },
    }),
    async (c) => {
      await useCases.deleteChatroom.execute({
        userId: c.get('principal').user.id,
        chatroomId: c.req.valid('param').id,
      });
      return c.body(null, 204);
    },
  );

  app.openapi(
    securedRoute({
      tags,
      method: 'get',
      path: '/chatroom/{id}/messages',
      summary: 'Page back through the messages: the `limit` before `before`, oldest first',
      request: { params: S.ChatroomParams, query: S.PageQuery },
      responses: { 200: json(S.MessagePage, 'A page'), ...problems(invalid, notFound) },
    }),
    async (c) => {
      const { before, limit } = c.req.valid('query');
      const page = await useCases.listMessages.execute({
        userId: c.get('principal').user.id,
        chatroomId: c.req.valid('param').id,
        before,
        limit,
      });
      return c.json({ messages: page.messages.map(messageJson), hasMore: page.hasMore }, 200);
    },
  );

  app.openapi(
    securedRoute({
      tags,
      method: 'get',
      path: '/chatroom/{id}/messages/{messageId}',
      summary: 'One message (poll a pending reply here)',
      request: { params: S.MessageParams },
      responses: { 200: json(S.Message, 'The message'), ...problems(notFound) },
    }),
    async (c) => {
      const { id, messageId } = c.req.valid('param');
      const message = await useCases.getMessage.execute({
        userId: c.get('principal').user.id,
        chatroomId: id,
        messageId,
      });
      return c.json(messageJson(message), 200);
    },
  );
}
