import { describe, expect, it } from 'vitest';
import { ValidationFailed } from '#domain/shared/domain-error.ts';
import { parseMobileNumber } from '#domain/user/mobile-number.ts';

describe('parseMobileNumber', () => {
  it.each([
    ['+919876543210', '+919876543210'],
    ['+91 98765 43210', '+919876543210'],
    ['+91-98765-43210', '+919876543210'],
    ['+1 (415) 555.0100', '+14155550100'],
    ['  +44 7700 900123 ', '+447700900123'],
    ['+12345678', '+12345678'],
    ['+123456789012345', '+123456789012345'],
  ])('normalizes %j to %s', (input, expected) => {
    expect(parseMobileNumber(input)).toBe(expected);
  });

  it.each([
    '',
    '9876543210',
    '+0123456789',
    '+1234567',
    '+1234567890123456',
    '+91 98765 4321x',
    '+91_9876543210',
    '++919876543210',
    '+91\u00009876543210',
    '+91\t9876543210',
    '+91\r\n9876543210',
    '+91\u00a09876543210',
    '+91\u20099876543210',
  ])('refuses %j', (input) => {
    expect(() => parseMobileNumber(input)).toThrow(ValidationFailed);
  });

  it('names the field that was wrong', () => {
    try {
      parseMobileNumber('12', 'mobileNumber');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'mobileNumber' }] });
    }
  });
});
