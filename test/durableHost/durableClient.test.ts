import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  durableClientBindingData,
  startClientApiServer,
  type ClientApiServer,
} from '../../local/durableHost/clientApi';
import { ManualClock } from '../../local/durableHost/clock';
import { DurableHost } from '../../local/durableHost/durableHost';
import { registry } from '../../local/durableHost/functionsCore';
import { HttpDispatcher } from '../../local/httpDispatcher';
import { readBody } from '../../local/requestBody';
import { behaviour } from './sampleFunctions';

describe('the durable client API and HTTP starters on the embedded host', () => {
  let host: DurableHost;
  let clientApi: ClientApiServer;
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
          context.extraInputs.set(input, durableClientBindingData(clientApi.baseUrl, clientApi.systemKey));
      }
    });
    app = createServer((req, res) => {
      void readBody(req, res).then(async (body) => {
        if (body && !(await dispatcher.dispatch(req, res, body, base))) {
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

  it('refuses durable API calls without the system key of this host, whatever the operation', async () => {
    const id = host.startNew('approval');
    await waitForStatus(id, 'Running');
    const key = clientApi.systemKey;
    const instancesBefore = host.listInstances().length;
    const calls: Array<[string, string, string?]> = [
      ['GET', '/instances/'],
      ['GET', `/instances/${id}?showInput=true`],
      ['DELETE', `/instances/${id}`],
      ['POST', `/instances/${id}/terminate?reason=mine`],
      ['POST', `/instances/${id}/raiseEvent/Approval`, '"granted"'],
      ['POST', '/orchestrators/timerOnly', ''],
    ];
    const webhooks = '/runtime/webhooks/durabletask';
    const wrongKeys = [
      key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'),
      key.slice(0, 10),
      `${key}x`,
      'runtime',
    ];
    for (const [method, path, body] of calls) {
      const withoutKey = await fetch(`${clientApi.baseUrl}${webhooks}${path}`, { method, body });
      expect([method, path, withoutKey.status]).toEqual([method, path, 401]);
      expect(withoutKey.headers.get('content-type')).toBe('application/problem+json');
      // The Durable extension's own `code` parameter is no key here.
      const withCode = await fetch(
        `${clientApi.baseUrl}${webhooks}${path}${path.includes('?') ? '&' : '?'}code=${key}`,
        { method, body },
      );
      expect([method, path, withCode.status]).toEqual([method, path, 401]);
      for (const wrong of wrongKeys) {
        const refused = await fetch(`${clientApi.baseUrl}/${wrong}${webhooks}${path}`, { method, body });
        expect([method, path, wrong, refused.status]).toEqual([method, path, wrong, 403]);
      }
    }
    // Nothing reached the host: the instance still waits, and no instance was started or purged.
    expect(host.getStatus(id)).toMatchObject({ runtimeStatus: 'Running' });
    expect(host.listInstances()).toHaveLength(instancesBefore);
    // With the key, the same request is answered: the key is the only difference.
    const status = await fetch(`${clientApi.baseUrl}/${key}${webhooks}/instances/${id}`);
    expect([status.status, ((await status.json()) as { instanceId: string }).instanceId]).toEqual([202, id]);
    host.terminate(id, 'test over');
  });

  it('the durable client reaches the API with the binding data alone, and a cancel reason survives the URL', async () => {
    const input = df.input.durableClient();
    const context = new InvocationContext({
      functionName: 'test',
      options: { trigger: { name: 't', type: 't' }, extraInputs: [input], extraOutputs: [] },
    });
    context.extraInputs.set(input, durableClientBindingData(clientApi.baseUrl, clientApi.systemKey));
    const client = df.getClient(context);
    const id = await client.startNew('approval');
    await waitForStatus(id, 'Running');
    expect((await client.getStatus(id)).runtimeStatus).toBe('Running');
    expect((await client.getStatusAll()).map((s) => s.instanceId)).toContain(id);
    const reason = 'stop & go #2 100% done?';
    await client.terminate(id, encodeURIComponent(reason));
    expect((await waitForStatus(id, 'Terminated')).output).toBe(reason);
    expect((await client.purgeInstanceHistory(id)).instancesDeleted).toBe(1);
    expect(host.getStatus(id)).toBeUndefined();
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
