import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSessionServer } from '../../../platform/sandbox/sessionServer';

describe('session server', () => {
  let folder: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'session-server-'));
    server = startSessionServer(0, join(folder, 'data'));
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  });

  const upload = (path: string, name: string) => {
    const form = new FormData();
    form.append('file', new Blob(['content']), name);
    return fetch(`${base}/files?path=${encodeURIComponent(path)}&identifier=abcd`, {
      method: 'POST',
      body: form,
    });
  };
  const execute = (body: unknown) =>
    fetch(`${base}/executions?identifier=abcd`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('stores an upload under its folder in the data folder and describes it', async () => {
    const response = await upload('/src/lib', 'a.js');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: 'a.js',
      type: 'File',
      sizeInBytes: 7,
      directory: '/src/lib',
    });
    expect(readFileSync(join(folder, 'data', 'src', 'lib', 'a.js'), 'utf8')).toBe('content');
  });

  it('refuses an upload that would leave the data folder', async () => {
    const response = await upload('/../..', 'escape.js');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'InvalidPath' } });
    expect(existsSync(join(folder, 'escape.js'))).toBe(false);
  });

  it.each([
    ['a body that is not JSON', 'not json'],
    ['an asynchronous execution', { codeInputType: 'Inline', executionType: 'Asynchronous', code: '{}' }],
    [
      'code that is not a command',
      { codeInputType: 'Inline', executionType: 'Synchronous', code: JSON.stringify({ argv: [] }) },
    ],
  ])('refuses %s with the documented error shape', async (_name, body) => {
    const response = await execute(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'InvalidRequest' } });
  });

  it('answers paths it does not serve with 404', async () => {
    const response = await fetch(`${base}/files/a.js/content?identifier=abcd`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NotFound' } });
  });
});
