import type { Setting } from '../config/settings.js';

/** The setting every client command shares: which server to talk to. */
export const CLIENT_SETTINGS = {
  server: {
    flag: 'server',
    env: 'CODEQ_SERVER',
    kind: 'string',
    default: '127.0.0.1:7070',
    arg: 'HOST:PORT',
    help: 'Address of the codeQ server, HOST:PORT',
  },
} satisfies Record<string, Setting>;
