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
