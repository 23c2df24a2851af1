import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../../support/servers/azurite';
test('azurite', async () => {
  const s = await startAzurite();
  const c = BlobServiceClient.fromConnectionString(s.connectionString).getContainerClient('x');
  await c.createIfNotExists();
  await c.getBlockBlobClient('a/b').upload('hi', 2);
  const b = await c.getBlockBlobClient('a/b').downloadToBuffer();
  expect(b.toString()).toBe('hi');
  await s.stop();
});
