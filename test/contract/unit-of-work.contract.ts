import { describe, expect, it } from 'vitest';
import { anExchange } from '#test/support/builders.ts';
import { eachTestOn, givens, type MakePersistence } from './persistence-givens.ts';

const DAY = '2026-11-23';

/** The UnitOfWork port with the writes the use cases make inside it: quota counts and messages. */
export function unitOfWorkContract(name: string, make: MakePersistence): void {
  describe(`${name}: UnitOfWork contract`, () => {
    const fixture = eachTestOn(make);
    const reopened = () => fixture().reopen();
    const { givenChatroom, givenExchanges } = givens(fixture);

    it('keeps every write of a unit that returns, and hands back its result', async () => {
      const chatroom = await givenChatroom();
      const { prompt, reply } = anExchange({ chatroomId: chatroom.id });
      const { usage, messages, unitOfWork } = fixture();

      const taken = await unitOfWork.atomically(async () => {
        const take = await usage.take(chatroom.ownerId, DAY, 5);
        await messages.addExchange(prompt, reply);
        return take;
      });

      expect(taken).toEqual({ admitted: true, used: 1 });
      expect(await reopened().usage.used(chatroom.ownerId, DAY)).toBe(1);
      expect(await reopened().messages.findById(reply.id)).toEqual(reply);
    });

    it('takes back every write of a unit that throws, and rethrows', async () => {
      const chatroom = await givenChatroom();
      const [answered] = await givenExchanges(chatroom.id, 1);
      const { prompt, reply } = anExchange({ chatroomId: chatroom.id });
      await fixture().usage.take(chatroom.ownerId, DAY, 5);
      const { usage, messages, unitOfWork } = fixture();
      const failure = new Error('the storage went away');

      const unit = unitOfWork.atomically(async () => {
        await usage.take(chatroom.ownerId, DAY, 5);
        await messages.addExchange(prompt, reply);
        await messages.fail(answered!.reply.id, 'down');
        await usage.giveBack(chatroom.ownerId, DAY);
        await usage.giveBack(chatroom.ownerId, DAY);
        throw failure;
      });

      await expect(unit).rejects.toBe(failure);
      expect(await reopened().usage.used(chatroom.ownerId, DAY)).toBe(1);
      expect(await reopened().messages.findById(prompt.id)).toBeNull();
      expect(await reopened().messages.findById(answered!.reply.id)).toEqual(answered!.reply);
    });

    it('takes back a discarded exchange with the prompt given back', async () => {
      const chatroom = await givenChatroom();
      const [exchange] = await givenExchanges(chatroom.id, 1);
      await fixture().usage.take(chatroom.ownerId, DAY, 5);
      const { usage, messages, unitOfWork } = fixture();

      const unit = unitOfWork.atomically(async () => {
        await messages.discardExchange(exchange!.prompt.id, exchange!.reply.id);
        await usage.giveBack(chatroom.ownerId, DAY);
        throw new Error('refused');
      });

      await expect(unit).rejects.toThrow('refused');
      expect(await reopened().usage.used(chatroom.ownerId, DAY)).toBe(1);
      expect(await reopened().messages.findById(exchange!.prompt.id)).toEqual(exchange!.prompt);
      expect(await reopened().messages.findById(exchange!.reply.id)).toEqual(exchange!.reply);
    });
  });
}
