import { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';

export interface ChatroomWriteDeps {
  chatrooms: ChatroomRepository;
  ids: IdGenerator;
  clock: Clock;
}

export class CreateChatroom {
  private readonly deps: ChatroomWriteDeps;

  constructor(deps: ChatroomWriteDeps) {
    this.deps = deps;
  }

  async execute(input: { userId: UserId; title?: string | undefined }): Promise<Chatroom> {
    const { chatrooms, ids, clock } = this.deps;
    const chatroom = Chatroom.open({
      id: ids.next(),
      ownerId: input.userId,
      title: input.title,
      now: clock.now(),
    });
    await chatrooms.create(chatroom);
    return chatroom;
  }
}
