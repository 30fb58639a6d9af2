import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { canListen, describePortHolder, findPortHolder } from './portHolder.js';

describe('findPortHolder', () => {
  it('names the process listening on a port, and nothing once it is gone', async () => {
    const child = spawn(
      process.execPath,
      ['-e', "const s = require('net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port))", 'pythia-test-holder'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const [chunk] = await once(child.stdout, 'data');
    const port = Number(String(chunk).trim());
    try {
      assert.equal(await canListen('127.0.0.1', port), false);
      const holder = findPortHolder(port);
      assert.equal(holder?.pid, child.pid);
      assert.equal(holder?.uid, process.getuid?.());
      assert.match(describePortHolder(holder), new RegExp(`^process ${child.pid} \\(.*pythia-test-holder\\)$`));
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    assert.equal(findPortHolder(port), undefined);
    assert.equal(await canListen('127.0.0.1', port), true);
  });
});
