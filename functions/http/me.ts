import { app } from '@azure/functions';
import { handle } from './handle';
import { jsonResponse } from './runAccess';

/** GET /api/me: who the caller is to the factory, so a client can show only what their roles allow. */
export const meHandler = handle('Runs.Read', async (call) => {
  const { subject, tenantId, roles } = call.principal;
  return jsonResponse(200, { subject, tenantId, roles });
});

app.http('apiMe', {
  route: 'me',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: meHandler,
});
