import { describe, expect, it } from 'vitest';
import { Chatroom, DEFAULT_TITLE } from '#domain/chatroom/chatroom.ts';
import { ValidationFailed } from '#domain/shared/domain-error.ts';

const now = new Date('2026-11-23T10:00:00.000Z');
const later = new Date('2026-11-23T11:00:00.000Z');

function open(title?: string): Chatroom {
  return Chatroom.open({ id: 'room-1', ownerId: 'user-1', title, now });
}

describe('Chatroom', () => {
  it('opens with the default title when none is given', () => {
    const chatroom = open();
    expect(chatroom).toMatchObject({ title: DEFAULT_TITLE, createdAt: now, updatedAt: now });
    expect(DEFAULT_TITLE).toBe('New chat');
  });

  it('trims the title and accepts 1 to 100 characters', () => {
    expect(open('  Trip plans ').title).toBe('Trip plans');
    expect(open('x').title).toBe('x');
    expect(open('x'.repeat(100)).title).toHaveLength(100);
  });

  it.each(['', '   ', 'x'.repeat(101), 'bad\u0000title'])('refuses the title %j', (title) => {
    expect(() => open(title)).toThrow(ValidationFailed);
  });

  it('renames, moving updatedAt', () => {
    expect(open('Old').rename(' New ', later)).toMatchObject({
      title: 'New',
      createdAt: now,
      updatedAt: later,
    });
  });

  it('keeps the old title when a rename is refused', () => {
    const chatroom = open('Old');
    expect(() => chatroom.rename(' ', later)).toThrow(ValidationFailed);
    expect(chatroom).toMatchObject({ title: 'Old', updatedAt: now });
  });
});
