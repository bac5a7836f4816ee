import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import type { ChatroomWriteDeps } from './create-chatroom.ts';

export class RenameChatroom {
  private readonly deps: Omit<ChatroomWriteDeps, 'ids'>;

  constructor(deps: Omit<ChatroomWriteDeps, 'ids'>) {
    this.deps = deps;
  }

  async execute(input: { userId: UserId; chatroomId: ChatroomId; title: string }): Promise<Chatroom> {
    const { chatrooms, clock } = this.deps;
    const chatroom = await chatrooms.findOwned(input.chatroomId, input.userId);
    if (!chatroom) throw new ChatroomNotFound();
    const renamed = chatroom.rename(input.title, clock.now());
    await chatrooms.save(renamed);
    return renamed;
  }
}
