import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const src = (path: string) => new URL(`../../src/${path}`, import.meta.url).pathname;

/** In a fresh Node process: the modules of the Stripe SDK loaded by the service's graph, then by a first webhook. */
const SCRIPT = `
import { registerHooks } from 'node:module';
const loaded = new Set();
registerHooks({
  load(url, context, next) {
    if (url.includes('/node_modules/stripe/')) loaded.add(url);
    return next(url, context);
  },
});
const { StripePaymentEventVerifier } = await import(${JSON.stringify(src('adapters/payments/stripe-payment-event-verifier.ts'))});
await import(${JSON.stringify(src('bootstrap/runtime.ts'))});
await import(${JSON.stringify(src('bootstrap/modules/payments.module.ts'))});
const atStart = loaded.size;
let refused = '';
try {
  new StripePaymentEventVerifier('whsec_test').verify('{}', 't=1,v1=00');
} catch (error) {
  refused = error.name;
}
console.log(JSON.stringify({ atStart, afterWebhook: loaded.size, refused }));
`;

describe('the Stripe SDK', () => {
  it('is not loaded to start the service, only by the first webhook it verifies', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const { atStart, afterWebhook, refused } = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(atStart).toBe(0);
    expect(afterWebhook).toBeGreaterThan(10);
    expect(refused).toBe('InvalidSignature');
  });
});
