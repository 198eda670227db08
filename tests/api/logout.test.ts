/**
 * API.md, `POST /api/auth/logout`: "204; that login's refresh tokens are revoked". One login is
 * ended, every refresh token it was given (the one from the login and the ones refreshes
 * rotated out of it) stops working, and the same user's other logins keep theirs.
 */
import { expect, it } from 'bun:test';
import { useServer } from '../support/suite';

const suite = useServer();

const refresh = (token: string) => suite.client.post('/api/auth/refresh', { refresh_token: token });

it("revokes that login's refresh tokens and leaves the user's other logins alone", async () => {
  const user = await suite.client.signup();
  const other = await suite.client.post('/api/auth/login', { username: user.user.username, password: user.password });
  expect(other.status).toBe(200);

  // The ended login has rotated once: its current token is the one logged out with.
  const rotated = await refresh(user.refresh_token);
  expect(rotated.status).toBe(200);
  const current = rotated.json.refresh_token as string;
  const logout = await suite.client.post('/api/auth/logout', { refresh_token: current });
  expect(logout.status).toBe(204);
  expect(logout.text).toBe('');
  expect((await refresh(current)).status).toBe(401);

  // The other login refreshes, and goes on refreshing with what it is given.
  const again = await refresh(other.json.refresh_token);
  expect(again.status).toBe(200);
  expect(again.json.user.id).toBe(user.user.id);
  expect((await refresh(again.json.refresh_token)).status).toBe(200);
});
