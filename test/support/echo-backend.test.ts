import { httpGet } from './http-client.js';
import { startEchoBackend, type EchoBody } from './echo-backend.js';

test('the echo backend records each request and answers with its description or a chosen answer', async () => {
  const b = await startEchoBackend({
    name: 'one',
    address: '127.0.0.2',
    respond: (_req, n) => (n === 0 ? { status: 503, body: 'try again' } : {}),
  });
  try {
    const first = await httpGet(`http://127.0.0.2:${b.port}/a?x=1`, { headers: { 'x-test': 'v' } });
    expect(first.status).toBe(503);
    expect(first.body).toBe('try again');
    const second = await httpGet(`http://127.0.0.2:${b.port}/b`, { method: 'POST', body: 'hello' });
    const echo = JSON.parse(second.body) as EchoBody;
    expect(echo).toMatchObject({ backend: 'one', method: 'POST', path: '/b', bodyBytes: 5 });
    expect(second.headers['x-echo-backend']).toBe('one');
    expect(b.requests.map((r) => r.path)).toEqual(['/a?x=1', '/b']);
    expect(b.requests[0]!.headers['x-test']).toBe('v');
    b.reset();
    expect(b.requests).toEqual([]);
  } finally {
    await b.close();
  }
});
