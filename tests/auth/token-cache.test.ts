import { describe, expect, it } from 'bun:test';
import { createTokenService } from '../../src/access-tokens';
import { TEST_SECRET } from '../support/server';
import { accessClaims, accessHeader, signToken } from '../support/tokens';

describe('verified-token cache', () => {
  it('stops accepting a remembered token once it expires (past the leeway)', async () => {
    let clock = Date.now();
    const tokens = createTokenService({ secret: TEST_SECRET, ttlSeconds: 900, now: () => clock });
    const token = signToken(accessHeader(), accessClaims({ id: 7 }, 60));
    expect(await tokens.verify(token)).toMatchObject({ userId: 7, role: 'user' });
    expect(await tokens.verify(token)).toMatchObject({ userId: 7 }); // from the cache
    clock += 60_000 + 4_000;
    expect(await tokens.verify(token)).toMatchObject({ userId: 7 }); // within the 5 s leeway
    clock += 2_000;
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('remembers only tokens that verified: a refused one stays refused', async () => {
    const tokens = createTokenService({ secret: TEST_SECRET, ttlSeconds: 900 });
    const forged = signToken(accessHeader(), accessClaims({ id: 7 }), 'another-secret-of-the-same-length-0123456789ab');
    expect(await tokens.verify(forged)).toBeUndefined();
    expect(await tokens.verify(forged)).toBeUndefined();
  });

  it('hands out claims no caller can alter for the next', async () => {
    const tokens = createTokenService({ secret: TEST_SECRET, ttlSeconds: 900 });
    const { token } = await tokens.issue({ id: 3, role: 'user' });
    const claims = (await tokens.verify(token))!;
    expect(() => Object.assign(claims, { role: 'admin' })).toThrow();
    expect((await tokens.verify(token))!.role).toBe('user');
  });
});
