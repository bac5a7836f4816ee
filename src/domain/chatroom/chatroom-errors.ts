import { DomainError, NotFound } from '../shared/domain-error.ts';

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

export class ModelUnavailable extends DomainError {
  constructor(messageId: string, replyId: string, reason: string) {
    super('MODEL_UNAVAILABLE', `The model could not answer: ${reason}`, {
      extensions: { messageId, replyId },
    });
  }
}
