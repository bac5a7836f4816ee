import type { Env } from './config.ts';

/** Settings that contradict each other or are incomplete, in any environment. */
export function consistencyProblems(env: Env): string[] {
  const problems: string[] = [];
  if (env.JWT_SECRET && env.JWT_SECRET.length < 32)
    problems.push('JWT_SECRET must be at least 32 characters');
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_PRICE_ID) {
    problems.push('STRIPE_PRICE_ID is required with STRIPE_SECRET_KEY');
  }
  if (env.OTP_DELIVERY === 'twilio') problems.push(...twilioProblems(env));
  if (env.ROLE !== 'all') {
    // The embedded database (DATABASE_URL unset) locks DATA_DIR to one process, and memory is per process: an API
    // and a worker on either would never see each other's replies.
    const missing = [
      ...(env.DATABASE_URL && env.DATABASE_URL !== 'memory' ? [] : ['DATABASE_URL pointing at PostgreSQL']),
      ...(env.REDIS_URL ? [] : ['REDIS_URL']),
    ];
    if (missing.length > 0) {
      problems.push(
        `ROLE=${env.ROLE} needs ${missing.join(' and ')}: API and worker processes share one PostgreSQL database ` +
          'and meet through the Redis queue (or run both in one process with ROLE=all)',
      );
    }
  }
  return problems;
}

function twilioProblems(env: Env): string[] {
  const problems: string[] = [];
  if (!env.TWILIO_ACCOUNT_SID) problems.push('TWILIO_ACCOUNT_SID is required with OTP_DELIVERY=twilio');
  else if (!/^AC[0-9a-f]{32}$/i.test(env.TWILIO_ACCOUNT_SID)) {
    problems.push('TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal characters');
  }
  if (!env.TWILIO_AUTH_TOKEN) problems.push('TWILIO_AUTH_TOKEN is required with OTP_DELIVERY=twilio');
  if (!env.TWILIO_FROM_NUMBER && !env.TWILIO_MESSAGING_SERVICE_SID) {
    problems.push('TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID is required with OTP_DELIVERY=twilio');
  }
  if (env.TWILIO_MESSAGING_SERVICE_SID && !/^MG[0-9a-f]{32}$/i.test(env.TWILIO_MESSAGING_SERVICE_SID)) {
    problems.push('TWILIO_MESSAGING_SERVICE_SID must be MG followed by 32 hexadecimal characters');
  }
  return problems;
}

/** NODE_ENV=production refuses every stand-in meant for trying the service, unless one is explicitly allowed. */
export function productionProblems(env: Env): string[] {
  const problems: string[] = [];
  if (!env.JWT_SECRET) problems.push('JWT_SECRET is required in production (at least 32 characters)');
  if (env.OTP_DELIVERY === 'response' && !env.ALLOW_OTP_IN_RESPONSE) {
    problems.push(
      'OTP_DELIVERY=response (the default) returns one-time codes in the HTTP response: set OTP_DELIVERY=twilio ' +
        'with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID ' +
        '(or ALLOW_OTP_IN_RESPONSE=true)',
    );
  }
  if (!env.GEMINI_API_KEY && !env.ALLOW_OFFLINE_MODEL) {
    problems.push(
      'GEMINI_API_KEY is required in production: without it replies come from the offline model ' +
        '(or ALLOW_OFFLINE_MODEL=true)',
    );
  }
  if (!env.STRIPE_SECRET_KEY && !env.ALLOW_OFFLINE_PAYMENTS) {
    problems.push(
      'STRIPE_SECRET_KEY (with STRIPE_PRICE_ID and STRIPE_WEBHOOK_SECRET) is required in production: without it ' +
        'anyone can upgrade to Pro on the offline checkout page (or ALLOW_OFFLINE_PAYMENTS=true)',
    );
  }
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
    problems.push(
      'STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY in production: webhooks are refused without it',
    );
  }
  return problems;
}
