import { describe, expect, it } from 'bun:test';
import { ManualClock } from '../support/clock';
import { useServer } from '../support/suite';

const clock = new ManualClock();
const suite = useServer({ AUTH_RATE_PER_MINUTE: '60', AUTH_BURST: '3' }, { clock });

describe('account requests per address', () => {
  it('caps sign-ups, logins and refreshes from one address together, with Retry-After, creating nothing', async () => {
    const first = await suite.client.post('/api/auth/signup', { username: 'limited_one', password: 'password-1' });
    expect(first.status).toBe(201);
    expect((await suite.client.post('/api/auth/login', { username: 'limited_one', password: 'password-1' })).status).toBe(200);
    expect((await suite.client.post('/api/auth/refresh', { refresh_token: first.json.refresh_token })).status).toBe(200);

    const refused = await suite.client.post('/api/auth/signup', { username: 'limited_two', password: 'password-1' });
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await suite.client.post('/api/auth/login', { username: 'limited_one', password: 'password-1' })).status).toBe(429);

    // The refused sign-up left no account behind: the name is still free once the bucket refills.
    expect((await suite.client.post('/api/auth/signup', { username: 'limited_two', password: 'password-1' })).status).toBe(429);
    clock.advance(1_100);
    expect((await suite.client.post('/api/auth/signup', { username: 'limited_two', password: 'password-1' })).status).toBe(201);
  });
});
