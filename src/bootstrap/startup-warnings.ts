import type { Config } from './config.ts';

/** What the start-up log warns about: generated secrets, and in production the stand-ins it allows. */
export function startupWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.jwt.generated) {
    warnings.push('JWT_SECRET is not set: using a random key for this run (tokens stop working at restart)');
  }
  if (config.env !== 'production') return warnings;
  if (!config.database.url) {
    warnings.push(
      `DATABASE_URL is not set: the embedded database under ${config.database.dataDir} serves this one process ` +
        '(set DATABASE_URL to a PostgreSQL server to run several)',
    );
  }
  if (config.database.url === 'memory') warnings.push('DATABASE_URL=memory: nothing is kept across restarts');
  if (!config.redis.url) {
    warnings.push('REDIS_URL is not set: the cache, rate limits and reply queue live in this process only');
  }
  if (config.otp.delivery === 'response') {
    warnings.push('ALLOW_OTP_IN_RESPONSE=true: one-time codes are returned in HTTP responses');
  }
  if (config.otp.delivery === 'log')
    warnings.push('OTP_DELIVERY=log: one-time codes are only written to the log');
  if (!config.gemini.apiKey) warnings.push('ALLOW_OFFLINE_MODEL=true: replies come from the offline model');
  if (!config.stripe.secretKey) {
    warnings.push('ALLOW_OFFLINE_PAYMENTS=true: anyone can upgrade to Pro on the offline checkout page');
  }
  return warnings;
}
