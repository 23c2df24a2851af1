import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { probe } from '../../../agents/blueprint/operations/probe';

/** A loopback server answering each GET with the status `answer` gives for its number (or closing it, for 0). */
async function serve(answer: (n: number) => number): Promise<{ url: string; server: Server }> {
  let n = 0;
  const server = createServer((req, res) => {
    const status = answer(++n);
    if (status === 0) {
      req.socket.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('production probe', () => {
  const limits = { maxRequests: 20, durationMs: 5000, concurrency: 2 };

  it('tries a GET whose connection closed once more, counting it apart, and counts server errors', async () => {
    const { url, server } = await serve((n) => (n === 3 ? 0 : n === 7 ? 500 : 200));
    try {
      const result = await probe({ service: 's', url, paths: ['/v1/things'] }, limits);
      expect(result.statusCounts).toEqual({ '200': 19, '500': 1, retried: 1 });
      expect(result.requests).toBe(20);
      expect(result.errors).toBe(1);
    } finally {
      server.close();
    }
  });

  it('counts a GET that fails twice as an error', async () => {
    const { url, server } = await serve((n) => (n <= 2 ? 0 : 200));
    try {
      const result = await probe({ service: 's', url, paths: ['/v1/things'] }, { ...limits, concurrency: 1 });
      expect(result.statusCounts).toEqual({ '200': 19, error: 1, retried: 1 });
      expect(result.errors).toBe(1);
    } finally {
      server.close();
    }
  });
});
