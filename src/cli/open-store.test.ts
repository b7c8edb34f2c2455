import { describe, expect, it } from 'vitest';
import { serverConfig } from '../config/server-config.js';
import { openStore, redactUrl } from './open-store.js';

describe('openStore', () => {
  it('opens the memory store without Redis settings', async () => {
    const { store, description } = await openStore(serverConfig({}));
    expect(description).toBe('memory');
    await store.close();
  });

  it('reads --redis-sentinels and the wait settings from their CODEQ_* variables', () => {
    const config = serverConfig(
      {},
      {
        CODEQ_REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2',
        CODEQ_REDIS_SENTINEL_NAME: 'primary',
        CODEQ_REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
        CODEQ_REDIS_WAIT_REPLICAS: '2',
        CODEQ_REDIS_WAIT_TIMEOUT: '250ms',
      },
    );
    expect(config).toMatchObject({
      redisSentinels: '10.0.0.1:26379,10.0.0.2',
      redisSentinelName: 'primary',
      redisSentinelPassword: 'sentinel-pw',
      redisWaitReplicas: 2,
      redisWaitTimeoutMs: 250,
    });
    expect(redactUrl('redis://u:secret@h:1')).toBe('redis://u:***@h:1');
  });
});
