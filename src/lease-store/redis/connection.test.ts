import type { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createClient, urlWantsTls } from './connection.js';

describe('createClient over TLS', () => {
  it('asks a Cluster’s node connections for TLS when its nodes are rediss://', () => {
    const tls = createClient('rediss://a:7000,rediss://b:7001', true) as Cluster;
    const plain = createClient('redis://a:7000,redis://b:7001', true) as Cluster;
    try {
      expect(tls.options.redisOptions?.tls).toEqual({});
      expect(plain.options.redisOptions?.tls).toBeUndefined();
    } finally {
      tls.disconnect();
      plain.disconnect();
    }
  });

  it('reaches the primary the Sentinels name over TLS when --redis is rediss://', () => {
    const sentinels = { sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'mymaster' };
    const tls = createClient('rediss://:secret@ignored:6379', false, undefined, sentinels) as Redis;
    const plain = createClient('redis://:secret@ignored:6379', false, undefined, sentinels) as Redis;
    try {
      expect(tls.options).toMatchObject({ tls: {}, enableTLSForSentinelMode: true, password: 'secret' });
      expect(plain.options.tls).toBeUndefined();
      expect(plain.options.enableTLSForSentinelMode).toBeFalsy();
    } finally {
      tls.disconnect();
      plain.disconnect();
    }
  });

  it('reads TLS from the scheme of any node', () => {
    expect(urlWantsTls('rediss://h:6380')).toBe(true);
    expect(urlWantsTls(' rediss://a:1, rediss://b:2')).toBe(true);
    expect(urlWantsTls('redis://h:6379')).toBe(false);
    expect(urlWantsTls('h:6379')).toBe(false);
  });
});
