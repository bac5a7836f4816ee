import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { consistencyProblems, productionProblems } from './config-checks.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** Exact browser origins (`https://app.example.com`), comma-separated; a path or trailing slash is refused. */
const origins = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .refine((list) => list.every((origin) => URL.canParse(origin) && new URL(origin).origin === origin), {
    message: 'exact origins such as https://app.example.com, comma-separated',
  });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optionalText,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATA_DIR: z.string().default('./.data'),
  MIGRATE_ON_START: bool.default(true),
  REDIS_URL: optionalText,
  REDIS_KEY_PREFIX: z.string().default('gemini-chat:'),
  JWT_SECRET: optionalText,
  JWT_EXPIRES_IN: z
    .string()
    .regex(
      /^\d+$|^\d+(\.\d+)?\s*(ms|s|m|h|d|w|y|seconds?|minutes?|hours?|days?|weeks?)$/i,
      'a lifetime such as 3600, 15m, 1h or 7d',
    )
    .default('1h'),
  OTP_DELIVERY: z.enum(['response', 'log', 'twilio']).default('response'),
  OTP_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_FROM_NUMBER: optionalText,
  TWILIO_MESSAGING_SERVICE_SID: optionalText,
  TWILIO_API_BASE: optionalText,
  TWILIO_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  ALLOW_OTP_IN_RESPONSE: bool.default(false),
  ALLOW_OFFLINE_MODEL: bool.default(false),
  ALLOW_OFFLINE_PAYMENTS: bool.default(false),
  GEMINI_API_KEY: optionalText,
  GEMINI_MODEL: z.string().default('gemini-2.5-flash'),
  GEMINI_BASE_URL: optionalText,
  GEMINI_SYSTEM_INSTRUCTION: optionalText,
  MODEL_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  OFFLINE_MODEL_WORD_MS: z.coerce.number().int().min(0).max(10_000).default(40),
  STRIPE_SECRET_KEY: optionalText,
  STRIPE_WEBHOOK_SECRET: optionalText,
  STRIPE_PRICE_ID: optionalText,
  STRIPE_API_BASE: optionalText,
  APP_BASE_URL: optionalText,
  CORS_ORIGINS: origins,
  BASIC_DAILY_LIMIT: z.coerce.number().int().min(0).default(5),
  PRO_DAILY_LIMIT: z.coerce.number().int().min(0).default(500),
  CHATROOM_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(300),
  REPLY_WAIT_MS: z.coerce.number().int().min(0).default(25_000),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  REPLY_BACKOFF_MS: z.coerce.number().int().min(1).default(1000),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  METRICS_TOKEN: optionalText,
  METRICS_PORT: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce.number().int().min(1).max(65535).optional(),
  ),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  REPLY_REQUEUE_AFTER_MS: z.coerce.number().int().min(100).default(30_000),
  REPLY_FAIL_AFTER_MS: z.coerce.number().int().min(1000).default(600_000),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  role: Env['ROLE'];
  logLevel: Env['LOG_LEVEL'];
  database: { url: string | undefined; poolMax: number; dataDir: string; migrateOnStart: boolean };
  /** keyPrefix namespaces every key this service writes (cache, rate limits, queue). */
  redis: { url: string | undefined; keyPrefix: string };
  jwt: { secret: string; expiresIn: string; generated: boolean };
  otp: { delivery: Env['OTP_DELIVERY']; ttlSeconds: number; twilio: TwilioConfig | undefined };
  gemini: {
    apiKey: string | undefined;
    model: string;
    baseUrl: string | undefined;
    systemInstruction: string | undefined;
    timeoutMs: number;
    /** The offline model's pace when streaming, one word every this many ms. */
    offlineWordMs: number;
  };
  stripe: {
    secretKey: string | undefined;
    /** Generated per start in offline mode so the local checkout page can sign its events. */
    webhookSecret: string | undefined;
    webhookSecretGenerated: boolean;
    priceId: string | undefined;
    apiBase: string | undefined;
  };
  appBaseUrl: string;
  corsOrigins: string[];
  quota: { basic: number; pro: number };
  chatroomCacheTtlSeconds: number;
  replyWaitMs: number;
  workerConcurrency: number;
  /** Base of the reply queue's exponential backoff (3 attempts). */
  replyBackoffMs: number;
  /** How soon a job whose worker died is picked up again (also the job lock's lifetime). */
  workerStalledIntervalMs: number;
  /** `token`: the bearer token GET /metrics requires; `port`: where a ROLE=worker process serves it (none: nowhere). */
  metrics: { token: string | undefined; port: number | undefined };
  /** Worker roles look for replies left pending every `intervalMs` (±20 %); see ReconcileReplies. */
  reconcile: { intervalMs: number; deadlines: { requeueAfterMs: number; failAfterMs: number } };
}

/** Set when OTP_DELIVERY=twilio; at least one of fromNumber and messagingServiceSid is present. */
export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  fromNumber: string | undefined;
  messagingServiceSid: string | undefined;
  apiBase: string;
  timeoutMs: number;
}

export class ConfigError extends Error {}

/**
 * Reads the environment once; throws one ConfigError listing every problem. With `forMigrations` the production
 * checks of the running service (stand-ins, secrets) are skipped: applying migrations needs none of them.
 */
export function loadConfig(
  environment: NodeJS.ProcessEnv = process.env,
  options: { forMigrations?: boolean } = {},
): Config {
  const parsed = schema.safeParse(environment);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const env = parsed.data;
  const problems = [
    ...consistencyProblems(env),
    ...(env.NODE_ENV === 'production' && !options.forMigrations ? productionProblems(env) : []),
  ];
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  const offlinePayments = !env.STRIPE_SECRET_KEY;
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    role: env.ROLE,
    logLevel: env.LOG_LEVEL,
    database: {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      dataDir: env.DATA_DIR,
      migrateOnStart: env.MIGRATE_ON_START,
    },
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    jwt: {
      secret: env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
      expiresIn: env.JWT_EXPIRES_IN,
      generated: !env.JWT_SECRET,
    },
    otp: { delivery: env.OTP_DELIVERY, ttlSeconds: env.OTP_TTL_SECONDS, twilio: twilioConfig(env) },
    gemini: {
      apiKey: env.GEMINI_API_KEY,
      model: env.GEMINI_MODEL,
      baseUrl: env.GEMINI_BASE_URL,
      systemInstruction: env.GEMINI_SYSTEM_INSTRUCTION,
      timeoutMs: env.MODEL_TIMEOUT_MS,
      offlineWordMs: env.OFFLINE_MODEL_WORD_MS,
    },
    stripe: {
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecret:
        env.STRIPE_WEBHOOK_SECRET ??
        (offlinePayments ? `whsec_local_${randomBytes(24).toString('hex')}` : undefined),
      webhookSecretGenerated: offlinePayments && !env.STRIPE_WEBHOOK_SECRET,
      priceId: env.STRIPE_PRICE_ID,
      apiBase: env.STRIPE_API_BASE,
    },
    appBaseUrl: (env.APP_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    corsOrigins: env.CORS_ORIGINS,
    quota: { basic: env.BASIC_DAILY_LIMIT, pro: env.PRO_DAILY_LIMIT },
    chatroomCacheTtlSeconds: env.CHATROOM_CACHE_TTL_SECONDS,
    replyWaitMs: env.REPLY_WAIT_MS,
    workerConcurrency: env.WORKER_CONCURRENCY,
    replyBackoffMs: env.REPLY_BACKOFF_MS,
    workerStalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
    metrics: { token: env.METRICS_TOKEN, port: env.METRICS_PORT },
    reconcile: {
      intervalMs: env.RECONCILE_INTERVAL_MS,
      deadlines: { requeueAfterMs: env.REPLY_REQUEUE_AFTER_MS, failAfterMs: env.REPLY_FAIL_AFTER_MS },
    },
  };
}

function twilioConfig(env: Env): TwilioConfig | undefined {
  if (env.OTP_DELIVERY !== 'twilio' || !env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN) return undefined;
  return {
    accountSid: env.TWILIO_ACCOUNT_SID,
    authToken: env.TWILIO_AUTH_TOKEN,
    fromNumber: env.TWILIO_FROM_NUMBER,
    messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
    apiBase: env.TWILIO_API_BASE ?? 'https://api.twilio.com',
    timeoutMs: env.TWILIO_TIMEOUT_MS,
  };
}
