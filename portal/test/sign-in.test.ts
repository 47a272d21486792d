import { Agent, PASSWORD, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sign_in', { limits: { signInPerMinute: 6 } });
});
afterAll(async () => h.close());

describe('signing in', () => {
  test('a customer signs in with email and password and is sent to their balances', async () => {
    const agent = new Agent(h.app);
    await agent.get('/sign-in');
    await agent.refreshCsrf();
    const res = await agent.submit('/sign-in', { email: 'Ann@Example.com', password: PASSWORD });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/customer');
    const home = await agent.get('/customer');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Your balances');
  });

  test('the session cookie is HttpOnly and SameSite=Lax', async () => {
    const agent = await Agent.signedIn(h.app, 'ann@example.com');
    const res = await agent.post('/api/v1/session', { email: 'ann@example.com', password: PASSWORD });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/);
  });

  test('a wrong password and an unknown email get the same answer', async () => {
    const agent = new Agent(h.app);
    await agent.refreshCsrf();
    const wrongPassword = await agent.post('/api/v1/session', { email: 'ann@example.com', password: 'not the password' });
    const unknownEmail = await agent.post('/api/v1/session', { email: 'nobody@example.com', password: 'not the password' });
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownEmail.statusCode).toBe(401);
    expect(unknownEmail.json()).toEqual(wrongPassword.json());
    expect(wrongPassword.json().error.code).toBe('sign_in_failed');
  });

  test('an unknown email costs about as much time as a wrong password', async () => {
    // One agent (one client address, under the per-address limit) per kind of attempt.
    const timer = async () => {
      const agent = new Agent(h.app);
      await agent.refreshCsrf();
      return async (email: string) => {
        const start = process.hrtime.bigint();
        await agent.post('/api/v1/session', { email, password: 'not the password' });
        return Number(process.hrtime.bigint() - start) / 1e6;
      };
    };
    const [knownTime, unknownTime] = [await timer(), await timer()];
    await unknownTime('nobody@example.com'); // first call makes the decoy hash
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await knownTime('bob@example.com'));
      unknown.push(await unknownTime('nobody@example.com'));
    }
    // Both verify one Argon2id hash (~30 ms here); an early return would answer in ~1 ms. The
    // fastest of three is compared: a busy machine only ever adds time, never removes it.
    expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) / 3);
  });

  test('the sign-in page shows the refusal beside the form, keeping the email typed', async () => {
    const agent = new Agent(h.app);
    await agent.refreshCsrf();
    const res = await agent.submit('/sign-in', { email: 'ann@example.com', password: 'wrong' });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('Email or password is wrong');
    expect(res.body).toContain('value="ann@example.com"');
  });

  test('signing in without a CSRF token is refused', async () => {
    const agent = new Agent(h.app);
    await agent.refreshCsrf();
    const res = await agent.post('/api/v1/session', { email: 'ann@example.com', password: PASSWORD }, { csrf: null });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('csrf_invalid');
  });

  test('sign-in attempts are rate-limited per address', async () => {
    const agent = new Agent(h.app);
    await agent.refreshCsrf();
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await agent.post('/api/v1/session', { email: 'limit@example.com', password: 'x' })).statusCode);
    expect(codes).toContain(429);
    const last = await agent.post('/api/v1/session', { email: 'limit@example.com', password: 'x' });
    expect(last.json().error.code).toBe('too_many_requests');
  });

  test('signing out ends the session', async () => {
    const agent = await Agent.signedIn(h.app, 'ann@example.com');
    const out = await agent.submit('/sign-out', {});
    expect(out.statusCode).toBe(303);
    const after = await agent.get('/api/v1/downloads');
    expect(after.statusCode).toBe(401);
  });
});

describe('coming back after signing in', () => {
  test('a signed-out visit to a page returns there after signing in', async () => {
    const agent = new Agent(h.app);
    const visit = await agent.get('/customer/history');
    expect(visit.headers.location).toBe('/sign-in?next=%2Fcustomer%2Fhistory');
    await agent.get(String(visit.headers.location));
    await agent.refreshCsrf();
    const res = await agent.submit('/sign-in?next=%2Fcustomer%2Fhistory', { email: 'ann@example.com', password: PASSWORD });
    expect(res.headers.location).toBe('/customer/history');
  });

  test.each(['//evil.example/customer', 'https://evil.example/customer', '/\\evil.example', '/merchant'])('"%s" is not followed', async (next) => {
    const agent = new Agent(h.app);
    await agent.refreshCsrf();
    const res = await agent.submit(`/sign-in?next=${encodeURIComponent(next)}`, { email: 'ann@example.com', password: PASSWORD });
    expect(res.headers.location).toBe('/customer');
  });
});
