import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort, ServiceProcess } from '#test/support/server-process.ts';

/** An older Node on this machine (Debian's /usr/bin/node here), to start the service with. */
const OLD_NODE_DIR = '/usr/bin';
const oldNode = spawnSync(`${OLD_NODE_DIR}/node`, ['--version'], { encoding: 'utf8' });
const oldVersion = oldNode.status === 0 ? oldNode.stdout.trim() : null;
const hasOldNode = oldVersion !== null && Number(oldVersion.slice(1).split('.')[0]) < 24;

describe('npm start on a Node older than 24', () => {
  it.skipIf(!hasOldNode)(`stops with one clear line instead of a loader error (${oldVersion})`, async () => {
    const service = new ServiceProcess({ PATH: `${OLD_NODE_DIR}:${process.env.PATH}` }, await freePort(), {
      command: ['npm', 'start'],
    });

    expect(await service.exited()).not.toBe(0);
    expect(service.output).toContain(
      `gemini-chat-backend needs Node.js 24 or newer (this is ${oldVersion}); see .nvmrc\n`,
    );
    expect(service.output).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });
});
