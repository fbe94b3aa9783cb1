import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('edge settings in the config', () => {
  it('has safe defaults', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ requestTimeoutMs: 30_000, corsOrigins: [] });
    expect(config.websocket).toEqual({ maxSubscriptionsPerSocket: 100, maxSocketsPerKey: 50 });
    expect(config.disclosure).toEqual({ introspection: 'authenticated', suggestions: true, metricsToken: undefined });
    expect(loadConfig({ NODE_ENV: 'production' }).disclosure.suggestions).toBe(false);
  });

  it('reads CORS_ORIGINS as a list of origins and refuses anything else', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://ops.example.com, http://localhost:3000' }).http.corsOrigins).toEqual(['https://ops.example.com', 'http://localhost:3000']);
    for (const bad of ['https://ops.example.com/', 'https://ops.example.com/app', 'ops.example.com', '*', 'null']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(ConfigError);
    }
  });

  it('takes only the known INTROSPECTION values and positive limits', () => {
    expect(loadConfig({ INTROSPECTION: 'OFF' }).disclosure.introspection).toBe('off');
    expect(() => loadConfig({ INTROSPECTION: 'sometimes' })).toThrow(ConfigError);
    expect(() => loadConfig({ MAX_SUBSCRIPTIONS_PER_SOCKET: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ MAX_SOCKETS_PER_KEY: 'many' })).toThrow(ConfigError);
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '-1' })).toThrow(ConfigError);
  });
});
