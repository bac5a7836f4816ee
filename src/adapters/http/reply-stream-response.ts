import type { ReplyFollow } from '#application/messaging/follow-reply.ts';
import { usageJson } from './presenters.ts';
import {
  UI_MESSAGE_STREAM_HEADERS,
  UiMessageStreamWriter,
  uiMessageStreamBody,
} from './ui-message-stream.ts';

/** `Accept: text/event-stream` asks for the reply as a stream. */
export function wantsEventStream(accept: string | undefined): boolean {
  return /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept ?? '');
}

/** A 200 SSE answer following one reply in the UI message stream protocol; the client leaving ends only the stream. */
export function replyStreamResponse(follow: ReplyFollow, headers: Record<string, string> = {}): Response {
  const { reply } = follow;
  const metadata = {
    chatroomId: reply.chatroomId,
    promptId: reply.inReplyTo,
    replyId: reply.id,
    usage: usageJson(follow.usage),
  };
  const body = uiMessageStreamBody({
    writer: new UiMessageStreamWriter(metadata, { resumed: follow.resumed }),
    messageId: reply.id,
    events: (signal) => follow.events(signal),
  });
  return new Response(body, { status: 200, headers: { ...UI_MESSAGE_STREAM_HEADERS, ...headers } });
}
