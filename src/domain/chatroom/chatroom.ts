import { ValidationFailed } from '../shared/domain-error.ts';
import type { ChatroomId, UserId } from '../shared/ids.ts';
import { characterCount, hasNul } from '../shared/text.ts';

export const TITLE_MAX_LENGTH = 100;
export const DEFAULT_TITLE = 'New chat';

export interface ChatroomProps {
  id: ChatroomId;
  ownerId: UserId;
  title: string;
  createdAt: Date;
  updatedAt: Date;
}

export class Chatroom {
  readonly id: ChatroomId;
  readonly ownerId: UserId;
  readonly title: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;

  constructor(props: ChatroomProps) {
    this.id = props.id;
    this.ownerId = props.ownerId;
    this.title = props.title;
    this.createdAt = props.createdAt;
    this.updatedAt = props.updatedAt;
  }

  static open(input: { id: ChatroomId; ownerId: UserId; title?: string | undefined; now: Date }): Chatroom {
    const title = input.title === undefined ? DEFAULT_TITLE : checkTitle(input.title);
    return new Chatroom({
      id: input.id,
      ownerId: input.ownerId,
      title,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  /** The chatroom under a new title (refused when the title is not valid). */
  rename(title: string, now: Date): Chatroom {
    return new Chatroom({ ...this, title: checkTitle(title), updatedAt: now });
  }
}

export function checkTitle(input: string): string {
  const title = input.trim();
  const length = characterCount(title);
  if (length < 1 || length > TITLE_MAX_LENGTH) {
    throw new ValidationFailed('title', `must be 1 to ${TITLE_MAX_LENGTH} characters after trimming`);
  }
  if (hasNul(title)) throw new ValidationFailed('title', 'must not contain a NUL character');
  return title;
}
