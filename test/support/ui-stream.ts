import {
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
  uiMessageChunkSchema,
} from 'ai';

/** Reads an SSE body with the `ai` package's own parser; returns the chunks, the event ids and the final message. */
export async function readUiStream(body: ReadableStream<Uint8Array>): Promise<{
  chunks: UIMessageChunk[];
  ids: string[];
  message: UIMessage | undefined;
  text: string;
  done: boolean;
}> {
  const [forIds, forChunks] = body.tee();
  const raw = new Response(forIds).text();
  const chunks: UIMessageChunk[] = [];
  const parsed = parseJsonEventStream({ stream: forChunks, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream({
      transform(result, controller) {
        if (!result.success) throw result.error;
        chunks.push(result.value as UIMessageChunk);
        controller.enqueue(result.value as UIMessageChunk);
      },
    }),
  );
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({ stream: parsed })) message = snapshot;
  const text = await raw;
  const ids = [...text.matchAll(/^id: (.+)$/gm)].map((match) => match[1]!);
  return { chunks, ids, message, text: textOf(message), done: /^data: \[DONE\]$/m.test(text) };
}

export function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}
