import { NotFound } from '../shared/domain-error.ts';

export class ChatroomNotFound extends NotFound {
  constructor() {
    super('Chatroom');
  }
}

export class MessageNotFound extends NotFound {
  constructor() {
    super('Message');
  }
}
