// test/helpers/freeradius.ts itself: loopback only, clean stop by PID.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { canRunFreeradius, startFreeradius } from '../../helpers/freeradius.js';

describe('startFreeradius', { skip: canRunFreeradius() ?? false }, () => {
  it('listens on 127.0.0.1 only, on the ports it reports, and stop() ends the process and removes the dir', async () => {
    const fr = await startFreeradius({ users: [{ name: 'u', password: 'p' }] });
    const listening = fr.log().split('\n').filter((l) => /^Listening on/.test(l));
    assert.deepEqual(listening.sort(), [
      `Listening on acct address 127.0.0.1 port ${fr.acctPort} bound to server test`,
      `Listening on auth address 127.0.0.1 port ${fr.authPort} bound to server test`,
    ]);
    assert.equal(existsSync(fr.dir), true);
    await fr.stop();
    assert.throws(() => process.kill(fr.pid, 0), /ESRCH/);
    assert.equal(existsSync(fr.dir), false);
    await fr.stop(); // idempotent
  });

  it('reports a start failure with the log tail', async () => {
    await assert.rejects(
      startFreeradius({ users: [], extraUsers: 'broken-entry Cleartext-Password := "x",,, \n' }),
      /freeradius did not start.*\n/s,
    );
  });
});
