import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBody, startClientApiServer, durableClientBindingData } from '../../local/durableHost/clientApi';
import { ManualClock } from '../../local/durableHost/clock';
import { DurableHost } from '../../local/durableHost/durableHost';
import { registry } from '../../local/durableHost/functionsCore';
import { HttpDispatcher } from '../../local/httpDispatcher';
import { behaviour } from './sampleFunctions';

describe('the durable client API and HTTP starters on the embedded host', () => {
  let host: DurableHost;
  let clientApi: { server: Server; baseUrl: string };
  let app: Server;
  let base: string;

  beforeAll(async () => {
    host = new DurableHost({
      registry,
      databaseFile: join(mkdtempSync(join(tmpdir(), 'client-')), 'durable.db'),
      clock: new ManualClock(),
      maxPayloadBytes: 64 * 1024,
    });
    host.start();
    clientApi = await startClientApiServer(host);
    const dispatcher = new HttpDispatcher(registry.all(), (_registration, context) => {
      for (const input of context.options.extraInputs) {
        if (input.type === 'durableClient')
          context.extraInputs.set(input, durableClientBindingData(clientApi.baseUrl));
      }
    });
    app = createServer((req, res) => {
      void readBody(req).then(async (body) => {
        if (!(await dispatcher.dispatch(req, res, body, base))) {
          res.writeHead(404);
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await host.stop();
    await new Promise((resolve) => app.close(resolve));
    await new Promise((resolve) => clientApi.server.close(resolve));
    host.close();
  });

  const waitForStatus = async (id: string, wanted: string) => {
    for (let i = 0; i < 200; i++) {
      const status = host.getStatus(id);
      if (status?.runtimeStatus === wanted) return status;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${id} never reached ${wanted}: ${JSON.stringify(host.getStatus(id))}`);
  };

  it('starts through df.getClient, answers createCheckStatusResponse, reads status, raises events, terminates', async () => {
    const started = await fetch(`${base}/api/orchestrators/approval`, { method: 'POST', body: '' });
    expect(started.status).toBe(202);
    const links = (await started.json()) as {
      id: string;
      statusQueryGetUri: string;
      sendEventPostUri: string;
    };
    expect(started.headers.get('location')).toBe(links.statusQueryGetUri);
    expect(links.statusQueryGetUri.startsWith(base)).toBe(true);
    await waitForStatus(links.id, 'Running');

    const status = (await (await fetch(`${base}/api/orchestrators/${links.id}/status`)).json()) as {
      runtimeStatus: string;
      customStatus: unknown;
    };
    expect(status).toMatchObject({ runtimeStatus: 'Running', customStatus: { waiting: 'Approval' } });

    expect(
      (
        await fetch(`${base}/api/orchestrators/${links.id}/events/Approval`, {
          method: 'POST',
          body: '"granted"',
        })
      ).status,
    ).toBe(202);
    expect((await waitForStatus(links.id, 'Completed')).output).toEqual({ decision: 'granted' });

    const second = (await (
      await fetch(`${base}/api/orchestrators/timerOnly`, { method: 'POST' })
    ).json()) as { id: string };
    await waitForStatus(second.id, 'Running');
    expect((await fetch(`${base}/api/orchestrators/${second.id}/terminate`, { method: 'POST' })).status).toBe(
      202,
    );
    expect((await waitForStatus(second.id, 'Terminated')).output).toBe('stopped over HTTP');
  });

  it('fails a replay whose code changed under the run, naming the step', async () => {
    behaviour.variant = 'v1';
    const id = host.startNew('changing');
    await waitForStatus(id, 'Running');
    for (let i = 0; i < 100 && host.store.history(id).filter((e) => e.EventType === 5).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    behaviour.variant = 'v2';
    host.raiseEvent(id, 'go', null);
    const status = await waitForStatus(id, 'Failed');
    expect(status.output).toMatch(
      /non-deterministic orchestration: step 1 was 'hello' in history but is 'double' on replay/,
    );
  });

  it('refuses payloads over the configured size with a clear error', async () => {
    const id = host.startNew('callsHuge');
    const status = await waitForStatus(id, 'Failed');
    expect(status.output).toMatch(/result of huge is \d+ bytes, over the 65536-byte limit/);
    expect(() => host.startNew('sequence', { input: 'y'.repeat(70 * 1024) })).toThrow(
      /over the 65536-byte limit/,
    );
  });
});
