import { describe, expect, it } from 'vitest';
import { aMessage } from '#test/support/builders.ts';

describe('which replies count against the daily quota', () => {
  it.each([
    ['a completed reply', { status: 'completed', content: 'An answer' }, true],
    ['a reply still being written', { status: 'pending', content: '' }, true],
    ['a failed reply', { status: 'failed', content: '' }, false],
    ['a reply stopped before any text', { status: 'stopped', content: '' }, false],
    ['a reply stopped after some text', { status: 'stopped', content: 'Half an' }, true],
  ] as const)('%s', (_case, reply, counts) => {
    expect(aMessage({ role: 'model', ...reply }).countsAgainstQuota).toBe(counts);
  });
});
