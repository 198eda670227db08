/**
 * Access tokens: only an HS256 token with the server's header and claims, signed with its
 * secret and not expired (give or take the leeway), opens anything. Every other token is 401 on
 * REST and on the socket upgrade, and a play made with it charges nothing.
 */
import { beforeAll, describe, expect, it } from 'bun:test';
import fc from 'fast-check';
import type { Api } from '../support/client';
import type { TestServer } from '../support/server';
import { openUserSocket, upgradeStatus } from '../support/socket';
import { useServer } from '../support/suite';
import { accessClaims, accessHeader, decodeToken, mintToken, segment, signToken, type JsonObject } from '../support/tokens';

const setup = useServer({ WS_MESSAGE_RATE_PER_SECOND: '1000', WS_MESSAGE_BURST: '1000' }, { withPlayer: true });
let server: TestServer;
let client: Api;
let user: { id: number; role: 'user' };

beforeAll(() => {
  ({ server, client } = setup);
  user = { id: setup.player.user.id, role: 'user' };
});

/** Status of GET /api/auth/me and of a user socket upgrade with a token that should be refused. */
async function statuses(token: string): Promise<{ rest: number; upgrade: number }> {
  const [rest, upgrade] = await Promise.all([
    client.get('/api/auth/me', token),
    upgradeStatus(server.url, '/api/games/ws', { authorization: `Bearer ${token}` }),
  ]);
  return { rest: rest.status, upgrade: upgrade.status };
}

const REFUSED = { rest: 401, upgrade: 401 };

/** The token works on REST and opens a socket acknowledged for its user. */
async function expectAccepted(token: string): Promise<void> {
  expect((await client.get('/api/auth/me', token)).json.id).toBe(user.id);
  const opened = await openUserSocket(server.url, token);
  expect(opened.received[0]).toMatchObject({ type: 'ws_ack', user_id: user.id });
  opened.close();
}

describe('a token minted like the server mints it', () => {
  it('is accepted, so every refusal below is down to the one thing changed', async () => {
    const token = mintToken(user);
    await expectAccepted(token);
    expect(decodeToken(token).header).toEqual(decodeToken((await client.signup()).access_token).header);
  });
});

describe('refused tokens (401 on REST and on the upgrade, nothing charged)', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => string][] = [
    ['alg none with no signature', () => mintToken(user, { header: { alg: 'none' } })],
    ['alg none keeping a valid HS256 signature', () => mintToken(user).replace(segment(accessHeader()), segment({ alg: 'none', typ: 'at+jwt' }))],
    ['HS512 signed with the same secret', () => mintToken(user, { header: { alg: 'HS512' } })],
    ['HS384 signed with the same secret', () => mintToken(user, { header: { alg: 'HS384' } })],
    ['RS256', () => mintToken(user, { header: { alg: 'RS256' } })],
    ['a missing exp', () => mintToken(user, { claims: { exp: undefined } })],
    ['an exp that is a string', () => mintToken(user, { claims: { exp: String(now() + 900) } })],
    ['an expired token (past the leeway)', () => mintToken(user, { expiresIn: -30 })],
    ['a missing iat', () => mintToken(user, { claims: { iat: undefined } })],
    ['a missing sub', () => mintToken(user, { claims: { sub: undefined } })],
    ['a sub that is not a user id', () => mintToken(user, { claims: { sub: 'admin' } })],
    ['a missing role', () => mintToken(user, { claims: { role: undefined } })],
    ['an unknown role', () => mintToken(user, { claims: { role: 'root' } })],
    ['another issuer', () => mintToken(user, { claims: { iss: 'someone-else' } })],
    ['another audience', () => mintToken(user, { claims: { aud: 'other-clients' } })],
    ['a missing typ', () => mintToken(user, { header: { typ: undefined } })],
    ['typ JWT (not an access token)', () => mintToken(user, { header: { typ: 'JWT' } })],
    ['a not-before in the future', () => mintToken(user, { claims: { nbf: now() + 600 } })],
    ['an unknown critical header', () => mintToken(user, { header: { crit: ['x-must-understand'], 'x-must-understand': true } })],
    ['another secret', () => mintToken(user, { secret: 'another-secret-that-is-long-enough-0123456789' })],
    ['a payload changed to admin', () => {
      const [header, , signature] = mintToken(user).split('.');
      return `${header}.${segment({ ...accessClaims(user), role: 'admin' })}.${signature}`;
    }],
    ['a signature with a padding "="', () => `${mintToken(user)}=`],
    ['a signature whose last character differs only in unused bits', () => {
      const token = mintToken(user);
      // 32 signature bytes fill 43 base64url characters; the last one carries 4 bits and 2 spare.
      const last = token.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const index = alphabet.indexOf(last);
      return token.slice(0, -1) + alphabet[index ^ 1];
    }],
    ['more than 4 KiB', () => mintToken(user, { claims: { pad: 'x'.repeat(4096) } })],
    ['two segments', () => mintToken(user).split('.').slice(0, 2).join('.')],
    ['an empty string', () => ''],
  ];

  for (const [name, make] of cases) {
    it(`refuses ${name}`, async () => {
      const token = make();
      expect(await statuses(token)).toEqual(REFUSED);
      await setup.nothingCharged(async () => {
        const play = await client.request('POST', '/api/games/slot/spin', { body: { bet: 1 }, headers: { authorization: `Bearer ${token}` } });
        expect(play.status).toBe(401);
        // RFC 6750 / API.md: an expired, otherwise valid token says so; every other one is unauthorized.
        expect(play.json.error.code).toBe(name === 'an expired token (past the leeway)' ? 'token_expired' : 'unauthorized');
      });
    });
  }

  it('allows a small clock leeway on expiry, and no more', async () => {
    await expectAccepted(mintToken(user, { expiresIn: -2 }));
    expect(await statuses(mintToken(user, { expiresIn: -10 }))).toEqual(REFUSED);
  });
});

describe('token mutations (property-based)', () => {
  const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const runs = { numRuns: 60 };

  it('refuses a token with any one character replaced, anywhere', async () => {
    const token = mintToken(user);
    // The last characters weigh more: there the decoder ignores spare bits.
    const anyIndex = fc.oneof(fc.nat({ max: token.length - 1 }), fc.integer({ min: token.length - 3, max: token.length - 1 }));
    await fc.assert(
      fc.asyncProperty(anyIndex, fc.constantFrom(...base64url, '.', '=', '+', '/', ' '), async (index, replacement) => {
        fc.pre(token[index] !== replacement);
        const mutated = token.slice(0, index) + replacement + token.slice(index + 1);
        expect(await statuses(mutated)).toEqual(REFUSED);
      }),
      runs,
    );
  });

  it('refuses a token with any bit of its decoded header, claims or signature flipped', async () => {
    const token = mintToken(user);
    const parts = token.split('.').map((part) => Buffer.from(part, 'base64url'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 2), fc.nat(), fc.nat({ max: 7 }), async (part, byte, bit) => {
        const bytes = Buffer.from(parts[part]!);
        bytes[byte % bytes.length]! ^= 1 << bit;
        const mutated = parts.map((p, i) => (i === part ? bytes : p).toString('base64url')).join('.');
        expect(await statuses(mutated)).toEqual(REFUSED);
      }),
      runs,
    );
  });

  it('refuses a validly signed token whose alg is anything but HS256', async () => {
    const alg = fc.oneof(fc.constantFrom('none', 'None', 'NONE', 'HS384', 'HS512', 'hs256', 'RS256', 'ES256', 'PS256', 'EdDSA', ''), fc.string({ maxLength: 8 }));
    await fc.assert(
      fc.asyncProperty(alg, async (name) => {
        fc.pre(name !== 'HS256');
        expect(await statuses(mintToken(user, { header: { alg: name } }))).toEqual(REFUSED);
      }),
      runs,
    );
  });

  it('refuses a validly signed token missing any of its claims or header fields', async () => {
    const claimNames = Object.keys(accessClaims(user));
    await fc.assert(
      fc.asyncProperty(fc.subarray(claimNames, { minLength: 1 }), fc.boolean(), async (dropped, dropTyp) => {
        const claims: JsonObject = Object.fromEntries(dropped.map((name) => [name, undefined]));
        const header = dropTyp ? { typ: undefined } : {};
        expect(await statuses(mintToken(user, { claims, header }))).toEqual(REFUSED);
      }),
      runs,
    );
  });

  it('refuses claims of the wrong type, validly signed', async () => {
    const claimNames = Object.keys(accessClaims(user));
    const wrongValue = fc.oneof(fc.constant(null), fc.boolean(), fc.array(fc.nat(), { maxLength: 2 }), fc.object({ maxDepth: 1 }), fc.string({ maxLength: 6 }), fc.double());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...claimNames), wrongValue, async (name, value) => {
        const original = accessClaims(user)[name];
        // A number claim as a number, or the very same value, would not be a wrong type.
        fc.pre(typeof value !== typeof original || (name === 'role' && value !== 'user' && value !== 'admin') || (name === 'sub' && !/^[1-9]\d*$/.test(String(value))));
        fc.pre(!(name === 'aud' && Array.isArray(value)));
        const token = signToken(accessHeader(), { ...accessClaims(user), [name]: value });
        expect(await statuses(token)).toEqual(REFUSED);
      }),
      runs,
    );
  });
});
