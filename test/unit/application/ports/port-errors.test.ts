import { describe, expect, it } from 'vitest';
import { LanguageModelError } from '#application/ports/language-model.ts';
import { SmsUnavailable } from '#application/ports/otp-sender.ts';
import { InvalidSignature } from '#application/ports/payment-gateway.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';

/** The failures adapters report through the ports: what the caller is told, and what the log keeps. */
describe('failures reported through the ports', () => {
  it('a model failure shows its safe message and keeps what went wrong underneath for the log', () => {
    const cause = new Error('HTTP 503 from the model provider');
    const failure = new LanguageModelError('The model is overloaded', { retryable: true, cause });
    expect(failure).toMatchObject({ name: 'LanguageModelError', message: 'The model is overloaded', cause });
  });

  it('an outage names its service, and keeps a cause only when there is one', () => {
    const cause = new Error('ECONNREFUSED');
    expect(new ServiceUnavailable('queue', 'The queue is unreachable', { cause })).toMatchObject({
      name: 'ServiceUnavailable',
      service: 'queue',
      message: 'The queue is unreachable',
      cause,
    });
    expect('cause' in new ServiceUnavailable('queue', 'The queue is unreachable')).toBe(false);
  });

  it('an SMS outage is the sms service, retryable when the provider says so, and tells the user to try again', () => {
    expect(new SmsUnavailable(30)).toMatchObject({
      service: 'sms',
      retryAfterSeconds: 30,
      message: expect.stringMatching(/could not be sent by SMS; try again/),
    });
  });

  it('a forged webhook is named as such in the log', () => {
    expect(new InvalidSignature('The Stripe-Signature header is missing')).toMatchObject({
      name: 'InvalidSignature',
      message: 'The Stripe-Signature header is missing',
    });
  });
});
