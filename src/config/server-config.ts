import { SERVER_SETTINGS } from './server-settings.js';
import { resolveSettings, type SettingValues } from './settings.js';

/** The resolved configuration of one codeQ server; durations in milliseconds. */
export type ServerConfig = SettingValues<typeof SERVER_SETTINGS>;

/** Server configuration from defaults, the environment, then `overrides` (programmatic use and tests). */
export function serverConfig(
  overrides: Partial<ServerConfig> = {},
  env: NodeJS.ProcessEnv = {},
): ServerConfig {
  const base = resolveSettings(SERVER_SETTINGS, {}, env);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...base, ...defined };
}
