import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#bootstrap/config.ts';

const POSTGRES = 'postgres://app@db.internal:5432/chat';
const REDIS = 'redis://cache.internal:6379';

function failureOf(environment: NodeJS.ProcessEnv): unknown {
  try {
    loadConfig(environment);
  } catch (error) {
    return error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig: split API and worker processes', () => {
  it.each(['api', 'worker'])('accepts ROLE=%s with PostgreSQL and Redis', (role) => {
    const config = loadConfig({ ROLE: role, DATABASE_URL: POSTGRES, REDIS_URL: REDIS });
    expect(config).toMatchObject({ role, database: { url: POSTGRES }, redis: { url: REDIS } });
  });

  it.each([
    ['api', { DATABASE_URL: POSTGRES }, 'ROLE=api needs REDIS_URL:'],
    ['worker', { DATABASE_URL: POSTGRES, REDIS_URL: ' ' }, 'ROLE=worker needs REDIS_URL:'],
    ['worker', { REDIS_URL: REDIS }, 'ROLE=worker needs DATABASE_URL pointing at PostgreSQL:'],
    [
      'api',
      { DATABASE_URL: 'memory', REDIS_URL: REDIS },
      'ROLE=api needs DATABASE_URL pointing at PostgreSQL:',
    ],
    [
      'worker',
      { DATABASE_URL: 'memory' },
      'ROLE=worker needs DATABASE_URL pointing at PostgreSQL and REDIS_URL:',
    ],
  ] as const)('rejects ROLE=%s with %o, naming what is missing', (role, environment, message) => {
    const error = failureOf({ ROLE: role, ...environment });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(message);
    expect((error as ConfigError).message).toContain('ROLE=all');
  });

  it.each([{}, { DATABASE_URL: 'memory' }])(
    'lets ROLE=all (the default) run on the embedded database or in memory without Redis: %o',
    (environment) => {
      const config = loadConfig(environment);
      expect(config.role).toBe('all');
      expect(config.redis.url).toBeUndefined();
    },
  );
});

const SECRET = 'a-production-secret-of-at-least-32-characters';
const TWILIO = {
  OTP_DELIVERY: 'twilio',
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'token',
  TWILIO_FROM_NUMBER: '+15005550006',
};
const REAL_SERVICES = {
  NODE_ENV: 'production',
  JWT_SECRET: SECRET,
  ...TWILIO,
  GEMINI_API_KEY: 'gemini-key',
  STRIPE_SECRET_KEY: 'sk_live_key',
  STRIPE_PRICE_ID: 'price_pro',
  STRIPE_WEBHOOK_SECRET: 'whsec_live',
};

function problemsOf(environment: NodeJS.ProcessEnv): string[] {
  const error = failureOf(environment);
  expect(error).toBeInstanceOf(ConfigError);
  const [heading, ...lines] = (error as ConfigError).message.split('\n');
  expect(heading).toBe('Invalid configuration:');
  return lines.map((line) => line.replace(/^ {2}- /, ''));
}

describe('loadConfig: production refuses the stand-ins meant for trying the service', () => {
  it('lists every missing setting at once when nothing but NODE_ENV=production is set', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^JWT_SECRET is required in production/);
    expect(problems[1]).toMatch(/^OTP_DELIVERY=response .*OTP_DELIVERY=twilio.*ALLOW_OTP_IN_RESPONSE=true/);
    expect(problems[2]).toMatch(/^GEMINI_API_KEY is required .*ALLOW_OFFLINE_MODEL=true/);
    expect(problems[3]).toMatch(/^STRIPE_SECRET_KEY .*ALLOW_OFFLINE_PAYMENTS=true/);
  });

  it('starts with the real services configured', () => {
    const config = loadConfig(REAL_SERVICES);
    expect(config).toMatchObject({
      env: 'production',
      otp: { delivery: 'twilio' },
      jwt: { generated: false },
    });
  });

  it('accepts each stand-in when it is explicitly allowed', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      ALLOW_OTP_IN_RESPONSE: 'true',
      ALLOW_OFFLINE_MODEL: 'true',
      ALLOW_OFFLINE_PAYMENTS: 'true',
    });
    expect(config).toMatchObject({ otp: { delivery: 'response' }, gemini: { apiKey: undefined } });
  });

  it('refuses Stripe without its webhook secret', () => {
    expect(problemsOf({ ...REAL_SERVICES, STRIPE_WEBHOOK_SECRET: '' })).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY/),
    ]);
  });

  it('puts the other configuration problems in the same list', () => {
    const problems = problemsOf({ NODE_ENV: 'production', ROLE: 'worker', JWT_SECRET: 'short' });
    expect(problems).toEqual([
      'JWT_SECRET must be at least 32 characters',
      expect.stringMatching(/^ROLE=worker needs DATABASE_URL/),
      expect.stringMatching(/^OTP_DELIVERY=response/),
      expect.stringMatching(/^GEMINI_API_KEY/),
      expect.stringMatching(/^STRIPE_SECRET_KEY/),
    ]);
  });

  it('lets migrations run without the settings only the running service needs', () => {
    expect(loadConfig({ NODE_ENV: 'production' }, { forMigrations: true }).env).toBe('production');
  });

  it('generates a webhook secret per start for the offline checkout, and says it did', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.stripe).toMatchObject({ webhookSecret: expect.stringMatching(/^whsec_local_/) });
    expect(config.stripe.webhookSecretGenerated).toBe(true);
    expect(loadConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_mine' }).stripe.webhookSecretGenerated).toBe(false);
  });
});

describe('loadConfig: OTP_DELIVERY=twilio', () => {
  it('reads the account, the sender and Twilio’s API base (api.twilio.com by default)', () => {
    expect(loadConfig(TWILIO).otp.twilio).toEqual({
      accountSid: TWILIO.TWILIO_ACCOUNT_SID,
      authToken: 'token',
      fromNumber: '+15005550006',
      messagingServiceSid: undefined,
      apiBase: 'https://api.twilio.com',
      timeoutMs: 10_000,
    });
    const viaService = loadConfig({
      ...TWILIO,
      TWILIO_FROM_NUMBER: '',
      TWILIO_MESSAGING_SERVICE_SID: `MG${'f'.repeat(32)}`,
      TWILIO_API_BASE: 'http://127.0.0.1:4010',
    });
    expect(viaService.otp.twilio).toMatchObject({
      fromNumber: undefined,
      messagingServiceSid: `MG${'f'.repeat(32)}`,
      apiBase: 'http://127.0.0.1:4010',
    });
  });

  it('names every missing Twilio setting', () => {
    expect(problemsOf({ OTP_DELIVERY: 'twilio' })).toEqual([
      'TWILIO_ACCOUNT_SID is required with OTP_DELIVERY=twilio',
      'TWILIO_AUTH_TOKEN is required with OTP_DELIVERY=twilio',
      'TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID is required with OTP_DELIVERY=twilio',
    ]);
  });

  it('refuses SIDs that are not Twilio’s', () => {
    expect(
      problemsOf({ ...TWILIO, TWILIO_ACCOUNT_SID: 'SK123', TWILIO_MESSAGING_SERVICE_SID: 'service' }),
    ).toEqual([
      'TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal characters',
      'TWILIO_MESSAGING_SERVICE_SID must be MG followed by 32 hexadecimal characters',
    ]);
  });

  it('has no Twilio settings with another delivery', () => {
    expect(loadConfig({ ...TWILIO, OTP_DELIVERY: 'log' }).otp.twilio).toBeUndefined();
  });
});

describe('loadConfig: CORS_ORIGINS', () => {
  it('allows no browser origin by default', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it('reads exact origins, comma-separated, spaces and empty entries dropped', () => {
    const config = loadConfig({ CORS_ORIGINS: ' https://app.example.com, http://localhost:5173 ,' });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it.each(['https://app.example.com/', 'https://app.example.com/chat', 'app.example.com', '*'])(
    'refuses %s: not an exact origin',
    (origin) => {
      const error = failureOf({ CORS_ORIGINS: origin });
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('CORS_ORIGINS');
    },
  );
});
