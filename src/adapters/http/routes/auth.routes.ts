import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { UseCases } from '#application/use-cases.ts';
import type { AppEnv } from '../auth-middleware.ts';
import { json, jsonBody, problems } from '../openapi.ts';
import { otpIssuedJson, sessionJson, usageJson, userJson } from '../presenters.ts';
import * as S from '../schemas.ts';
import { securedRoutes } from '../secured-route.ts';

const tags = ['Auth'];
const invalid: [number, string] = [400, 'VALIDATION_FAILED or MALFORMED_JSON'];
const otpLimits: [number, string][] = [
  invalid,
  [404, 'USER_NOT_FOUND (only with OTP_DELIVERY=response; otherwise an unknown number gets the same 200)'],
  [429, 'TOO_MANY_REQUESTS (with Retry-After)'],
  [502, 'SMS_UNAVAILABLE: the SMS provider failed; no code was issued'],
];

export function authRoutes(app: OpenAPIHono<AppEnv>, useCases: UseCases): void {
  const securedRoute = securedRoutes(useCases.authenticate);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/signup',
      tags,
      summary: 'Register a mobile number',
      request: { body: jsonBody(S.SignUpBody) },
      responses: {
        201: json(z.object({ user: S.User }), 'Registered'),
        ...problems(invalid, [409, 'MOBILE_TAKEN']),
      },
    }),
    async (c) => {
      const { user, tier } = await useCases.signUp.execute(c.req.valid('json'));
      return c.json({ user: userJson(user, tier) }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/send-otp',
      tags,
      summary: 'Send a one-time login code by SMS (returned in the body instead with OTP_DELIVERY=response)',
      request: { body: jsonBody(S.MobileBody) },
      responses: { 200: json(S.OtpIssued, 'Code issued'), ...problems(...otpLimits) },
    }),
    async (c) => c.json(otpIssuedJson(await useCases.sendOtp.execute(c.req.valid('json'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/forgot-password',
      tags,
      summary: 'Send a password-reset code; its session may set a new password for 10 minutes',
      request: { body: jsonBody(S.MobileBody) },
      responses: { 200: json(S.OtpIssued, 'Code issued'), ...problems(...otpLimits) },
    }),
    async (c) => c.json(otpIssuedJson(await useCases.forgotPassword.execute(c.req.valid('json'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/verify-otp',
      tags,
      summary: 'Exchange a one-time code (either purpose) for a session',
      request: { body: jsonBody(S.VerifyOtpBody) },
      responses: {
        200: json(S.Session, 'Signed in'),
        ...problems(
          invalid,
          [401, 'INVALID_OTP or OTP_EXPIRED'],
          [429, 'TOO_MANY_ATTEMPTS: the code is burned'],
        ),
      },
    }),
    async (c) => c.json(sessionJson(await useCases.verifyOtp.execute(c.req.valid('json'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      tags,
      summary: 'Sign in with mobile and password',
      request: { body: jsonBody(S.LoginBody) },
      responses: {
        200: json(S.Session, 'Signed in'),
        ...problems(
          invalid,
          [401, 'INVALID_CREDENTIALS'],
          [429, 'TOO_MANY_REQUESTS: 10 failures in 15 minutes'],
        ),
      },
    }),
    async (c) => c.json(sessionJson(await useCases.logIn.execute(c.req.valid('json'))), 200),
  );

  app.openapi(
    securedRoute({
      method: 'post',
      path: '/auth/change-password',
      tags,
      summary: 'Set or change the password; revokes every earlier token and returns a fresh one',
      request: { body: jsonBody(S.ChangePasswordBody) },
      responses: {
        200: json(S.Session, 'Password changed'),
        ...problems(
          invalid,
          [403, 'INVALID_CURRENT_PASSWORD'],
          [429, 'TOO_MANY_REQUESTS: wrong current passwords count as failed logins'],
        ),
      },
    }),
    async (c) => {
      const { user, claims } = c.get('principal');
      const session = await useCases.changePassword.execute({ user, claims, ...c.req.valid('json') });
      return c.json(sessionJson(session), 200);
    },
  );

  app.openapi(
    securedRoute({
      method: 'get',
      path: '/user/me',
      tags: ['User'],
      summary: 'The signed-in user and today’s usage',
      responses: {
        200: json(z.object({ user: S.User, usage: S.Usage }), 'The user'),
      },
    }),
    async (c) => {
      const me = await useCases.getMe.execute({ user: c.get('principal').user });
      return c.json({ user: userJson(me.user, me.tier), usage: usageJson(me.usage) }, 200);
    },
  );
}
