// PoPToP comparison where emulation does not distort it: memory per session. The real
// PoPToP (Debian's pptpd + pppd, in a qemu guest: ../shared/interop/pptp-server.sh via
// test/helpers/interop.ts) takes one call from the project's client (MS-CHAPv2,
// MPPE-128); on @@PEER-UP the guest reports the PSS of that call's pppd and of its parent
// pptpctrl — the two processes PoPToP runs per client. Printed beside pptpd-ts's RSS per
// session (sessions.bench's slope, or a 2,000-session measurement made here), and with
// PoPToP's documented ceiling of 2048–4096 clients. Skipped when qemu or the harness is
// missing. Bounded: the VM's boot, the call and the stop each have a timeout.
// Run alone: `npm run bench -- poptop`.
import { pathToFileURL } from 'node:url';
import { canRunInterop, startPptpServer } from '../helpers/interop.js';
import { canUseNetns, Netns, nodeTs } from '../helpers/netns.js';
import { dataplaneUnavailable } from '../../server/dataplane/native.js';
import { limitsText, machineLimits, printLimits } from './lib/machine.js';
import { sessionMemory } from './sessions.bench.js';

const POPTOP = '10.232.0.2'; // pptp-server.sh's default --server-ip

export interface PoptopResult {
  pppdPssKb: number | undefined;
  pptpctrlPssKb: number | undefined;
  perCallKb: number | undefined;
  oursKb: number | undefined;
}

export async function run(): Promise<PoptopResult | undefined> {
  const skip = canUseNetns() ?? canRunInterop() ?? dataplaneUnavailable();
  if (skip) {
    console.log(`poptop.bench: skipped (${skip})`);
    return undefined;
  }
  const m = await machineLimits();
  printLimits(m);
  const ns = Netns.create('bpoptop');
  let result: PoptopResult = { pppdPssKb: undefined, pptpctrlPssKb: undefined, perCallKb: undefined, oursKb: undefined };
  try {
    const server = await startPptpServer({ netns: ns.name, user: 'bench', password: 'secret' }, 180_000);
    try {
      const client = ns.spawn(
        nodeTs('server/cli/main.ts', 'client', '--server', POPTOP, '--user', 'bench', '--password', 'secret',
          '--method', 'mschapv2', '--mppe', '128', '--hold', '8', '--json', '--timeout', '60'),
      );
      try {
        await server.waitForPeers(1, 90_000);
      } finally {
        await client.wait(90_000);
      }
      const peer = server.peers[0]!;
      const ctl = peer.fields['parent_pss_kb'];
      const pptpctrl = ctl !== undefined && /^\d+$/.test(ctl) ? Number(ctl) : undefined;
      result = {
        pppdPssKb: peer.pppdPssKb,
        pptpctrlPssKb: pptpctrl,
        perCallKb: peer.pppdPssKb !== undefined ? peer.pppdPssKb + (pptpctrl ?? 0) : undefined,
        oursKb: undefined,
      };
      console.log(
        `poptop.bench: PoPToP (pptpd 1.4 + pppd 2.4.9, emulated guest), one MS-CHAPv2/MPPE-128 call from our client: ` +
          `pppd PSS ${peer.pppdPssKb ?? '?'} KB + ${peer.fields['parent'] ?? 'pptpctrl'} PSS ${pptpctrl ?? '?'} KB = ` +
          `${result.perCallKb ?? '?'} KB per call (two processes per client)`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    ns.destroy();
  }
  const ours = await sessionMemory();
  if (ours) {
    result.oursKb = ours.bytesPerSessionSlope / 1024;
    const ratio = result.perCallKb !== undefined ? ` — ${(result.perCallKb / result.oursKb).toFixed(0)}× less than PoPToP` : '';
    console.log(
      `poptop.bench: pptpd-ts: ${result.oursKb.toFixed(1)} KB RSS per session (slope over ${ours.held} sessions in one process)${ratio}; ` +
        `PoPToP's documented ceiling: 2048–4096 clients; pptpd-ts held ${ours.held} here ${limitsText(m)}`,
    );
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
