import { Metadata } from '@grpc/grpc-js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../telemetry/logger.js';
import { tempDir, writeTokenFile } from '../../../test/support/auth-fixtures.js';
import { AccessControl } from './access-control.js';

const dir = tempDir();
afterAll(() => dir.remove());

/** A stream's call as the server sees it: its metadata, with a bearer token. */
function call(token: string): { metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return { metadata };
}

describe('AccessControl and reloads', () => {
  it('checks a stream authenticated before a reload when it joins the watch after the reload went over the others', async () => {
    const file = writeTokenFile(dir.path('tokens.json'), [
      { name: 'gone', token: 'gone-123456789', grants: { '*': ['claim'] } },
      { name: 'kept', token: 'kept-123456789', grants: { '*': ['claim'] } },
    ]);
    const access = AccessControl.create({ tokenFile: file }, silentLogger);
    // Both streams are authenticated by their metadata (the interceptor's step) ...
    const revoked = call('gone-123456789');
    const kept = call('kept-123456789');
    await access.authenticate(revoked);
    await access.authenticate(kept);
    // ... then the token file loses one and is reloaded before either stream is watched.
    writeTokenFile(file, [{ name: 'kept', token: 'kept-123456789', grants: { '*': ['claim'] } }]);
    access.reload();
    const revokedEnd = vi.fn();
    const keptEnd = vi.fn();
    access.watchStream(revoked, revokedEnd);
    access.watchStream(kept, keptEnd);
    await vi.waitFor(() => expect(revokedEnd).toHaveBeenCalledTimes(1));
    expect((revokedEnd.mock.calls[0]![0] as Error).name).toBe('UnauthenticatedError');
    expect(keptEnd).not.toHaveBeenCalled();
    expect(access.streams.size).toBe(1);
  });
});
