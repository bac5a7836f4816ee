import { createRequire } from 'node:module';
import type StripeSdk from 'stripe';

const require = createRequire(import.meta.url);
let sdk: typeof StripeSdk | undefined;

/**
 * The Stripe SDK, loaded on first use: its ~220 modules are not needed to start (a start with nothing configured
 * verifies no webhook until a checkout completes), and loading them cost a restart of the embedded mode about a
 * tenth of a second. Loaded synchronously (its CommonJS build), so the webhook signature stays a plain call.
 */
export function stripeSdk(): typeof StripeSdk {
  sdk ??= require('stripe') as typeof StripeSdk;
  return sdk;
}
