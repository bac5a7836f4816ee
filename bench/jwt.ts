/**
 * Token verification, the hot path of every authenticated request: JwtTokenService (prebuilt KeyObject)
 * against jsonwebtoken with the secret as a string.   node bench/jwt.ts
 */
import jwt from 'jsonwebtoken';
import { JwtTokenService } from '#adapters/auth/jwt-token-service.ts';

const secret = 'bench-secret-bench-secret-bench-secret-0123';
const service = new JwtTokenService({ secret, expiresIn: '1h' });
const { token } = service.issue({
  userId: '01a213a0-0039-7689-9b90-fd143e8aa3b4',
  tokenVersion: 0,
  method: 'otp',
});
const options: jwt.VerifyOptions = {
  algorithms: ['HS256'],
  issuer: 'gemini-chat',
  audience: 'gemini-chat-api',
};

function perCall(name: string, fn: () => unknown, calls = 50_000): void {
  for (let i = 0; i < 5_000; i++) fn();
  const started = performance.now();
  for (let i = 0; i < calls; i++) fn();
  console.log(`${name}: ${(((performance.now() - started) / calls) * 1000).toFixed(1)} µs per call`);
}

perCall('JwtTokenService.verify (KeyObject)', () => service.verify(token));
perCall('jwt.verify with a string secret', () => jwt.verify(token, secret, options));
