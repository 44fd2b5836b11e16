// Issue 11: MPPE strength negotiation must end where PoPToP's does. The real Linux client
// (pptp-linux + pppd 2.4.9) calls, in ONE VM boot, every cell of the matrix
//   server key lengths {40} {128} {40,128} {40,56,128} × stateful allowed or not
//   × client require-mppe-40 / require-mppe-128 / require-mppe × mppe-stateful or not
// against pptpd-ts (one server per configuration, each in its own namespace) and against
// PoPToP (one pptpd per configuration, all in one VM, pppd given the equivalent options;
// pppd has no 56-bit, so {40,56,128} is compared with PoPToP's require-mppe). Each cell must reach the same
// outcome on both: up or not, and the same strength and statefulness; a tunnel that is up
// must carry a ping. Live PoPToP must also still match the outcomes recorded in
// test/helpers/mppe-matrix.ts, which the unit tests use.
//
// Layout: namespace M holds bridge BR (10.233.0.0/24); the client VM is 10.233.0.2 on
// it, PoPToP instance i is 10.233.0.(20+i) (one VM), pptpd-ts j runs in namespace S_j behind a veth on
// the bridge at 10.233.0.(10+j). PPP addresses are 10.234.x.0/24, one /24 per server.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canRunInterop } from '../helpers/interop.js';
import { runPptpClientCalls, startPoptopInstances, type MultiCall, type MultiCallResult, type MultiClientResult, type PoptopInstances } from '../helpers/interop-multi.js';
import {
  cellKey, clientKey, clientMppeOpts, matrixCells, poptopMppeOpts, poptopOutcome, serverKey,
  type MatrixCell, type MatrixOutcome,
} from '../helpers/mppe-matrix.js';
import { canUseNetns, ip, linkName, Netns } from '../helpers/netns.js';
import { startServer, type ServerProc } from '../helpers/server-proc.js';

const skip = canUseNetns() ?? canRunInterop();
const USER = 'alice';
const PASSWORD = 'm4trix pw';
/** Calls at once per client VM. */
const WORKERS = 4;
const CLIENT_BASE = 'require-mschap-v2 nodeflate nobsdcomp noauth refuse-eap refuse-pap refuse-chap refuse-mschap';

const namespaces: Netns[] = [];
const poptops: PoptopInstances[] = [];
const ours: ServerProc[] = [];
after(async () => {
  await Promise.allSettled([...poptops.map((p) => p.stop()), ...ours.map((s) => s.stop())]);
  for (const ns of namespaces) ns.destroy();
});

/** pppd's words when CCP cannot agree on MPPE (it then hangs up, exit 10). */
const MPPE_FAILED = /MPPE required but|MPPE disabled/;
const outcomeOf = (r: MultiCallResult | undefined): MatrixOutcome | undefined => (r ? { up: r.up, mppe: r.mppe } : undefined);
const show = (o: MatrixOutcome | undefined): string => (o === undefined ? 'no result' : o.up ? (o.mppe ?? 'up, no MPPE') : 'not up');

describe('MPPE strength matrix: the real Linux client against pptpd-ts and against PoPToP', { skip }, () => {
  test('every cell reaches the same outcome on pptpd-ts as on PoPToP', { timeout: 1_500_000 }, async (t) => {
    const t0 = Date.now();
    const cells = matrixCells();
    const m = Netns.create('mppe');
    namespaces.push(m);
    const br = linkName('br');
    m.addBridge(br);

    // One pptpd-ts per server configuration, each in its own namespace (a raw GRE socket
    // sees every GRE packet of its namespace: separate ones keep the servers apart).
    const ourKeys = [...new Set(cells.map(serverKey))];
    const ourAddr = new Map<string, string>();
    const ourStarts = ourKeys.map(async (key, j) => {
      const cell = cells.find((c) => serverKey(c) === key)!;
      const s = Netns.create(`mps${j}`);
      namespaces.push(s);
      const inner = linkName('i');
      const outer = linkName('o');
      ip('link', 'add', inner, 'netns', s.name, 'type', 'veth', 'peer', 'name', outer, 'netns', m.name);
      m.ip('link', 'set', outer, 'master', br);
      m.linkUp(outer);
      const addr = `10.233.0.${10 + j}`;
      s.addAddress(inner, `${addr}/24`);
      s.linkUp(inner);
      ourAddr.set(key, addr);
      ours.push(await startServer(s, {
        config: {
          listen: { address: addr },
          pool: { local: [`10.234.${10 + j}.1`], remote: [`10.234.${10 + j}.10-19`] },
          ppp: { mppe: { required: true, bits: cell.serverBits, stateful: cell.serverStateful ? 'allow' : 'deny' } },
        },
        chapSecrets: `${USER} * "${PASSWORD}" *\n`,
      }, 150_000)); // eight servers and six VMs starting at once on a busy 2-core machine
    });

    // PoPToP: one pptpd per distinct pppd option set, all in ONE VM (one TCG boot, not six).
    const poptopKeyOf = (c: MatrixCell): string => poptopMppeOpts(c.serverBits, c.serverStateful);
    const poptopKeys = [...new Set(cells.map(poptopKeyOf))];
    const poptopAddr = new Map(poptopKeys.map((opts, i) => [opts, `10.233.0.${20 + i}`]));
    const poptopStarts = [(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          poptops.push(await startPoptopInstances({
            netns: m.name, bridge: br, prefix: 24, user: USER, password: PASSWORD,
            instances: poptopKeys.map((opts, i) => ({
              address: poptopAddr.get(opts)!, localip: `10.234.${20 + i}.1`, remoteip: `10.234.${20 + i}.10-19`,
              pppdOpts: `require-mschap-v2 nodeflate nobsdcomp ${opts}`,
            })),
            timeout: 240,
          }));
          return;
        } catch (e) {
          if (attempt === 2) throw e;
          t.diagnostic(`the PoPToP VM did not get ready, booting it again: ${String(e).slice(0, 400)}`);
        }
      }
    })()];
    // Every call to one server in one worker, one after another; the calls to pptpd-ts
    // and to PoPToP in two client VMs that run side by side, each starting as soon as its
    // servers are ready (two single-CPU guests also get twice the host CPU of one).
    const lanesOf = (calls: MultiCall[]): MultiCall[][] => {
      const lanes = new Map<string, MultiCall[]>();
      for (const c of calls) {
        const l = lanes.get(c.server) ?? [];
        if (!l.some((x) => x.id === c.id)) l.push(c);
        lanes.set(c.server, l);
      }
      // WORKERS lanes at a time: more calls at once starve a single-CPU TCG guest.
      const workers: MultiCall[][] = Array.from({ length: Math.min(WORKERS, lanes.size) }, () => []);
      [...lanes.values()].forEach((l, i) => workers[i % workers.length]!.push(...l));
      return workers;
    };
    const ourId = (c: MatrixCell): string => `o_${cellKey(c)}`;
    const poptopId = (c: MatrixCell): string => `p${poptopKeys.indexOf(poptopKeyOf(c))}_${clientKey(c)}`;
    const callOf = (c: MatrixCell, id: string, server: string): MultiCall => ({ id, server, pppdOpts: `${CLIENT_BASE} ${clientMppeOpts(c)}` });
    const runCalls = async (tag: string, guestIp: string, calls: MultiCall[]): Promise<MultiClientResult> => {
      const spec = { netns: m.name, bridge: br, guestIp, user: USER, password: PASSWORD, workers: lanesOf(calls), runTimeout: 60, timeout: 1200 };
      let r = await runPptpClientCalls(spec);
      if (r.exitCode !== 0 && !r.console.includes('@@BOOTED')) {
        t.diagnostic(`the ${tag} client VM did not boot, booting it again: ${r.stderr.slice(-600)}`);
        r = await runPptpClientCalls(spec);
      }
      assert.equal(r.exitCode, 0, `${tag} client VM: ${r.stderr.slice(-3000)}`);
      return r;
    };
    const timing: Record<string, number> = {};
    const stamp = (k: string): void => { timing[k] = (Date.now() - t0) / 1000; };
    const [ourRun, poptopRun] = await Promise.all([
      Promise.all(ourStarts).then(() => {
        stamp('pptpd-ts servers ready');
        return runCalls('pptpd-ts', '10.233.0.2/24', cells.map((c) => callOf(c, ourId(c), ourAddr.get(serverKey(c))!)));
      }).finally(() => stamp('pptpd-ts calls done')),
      Promise.all(poptopStarts).then(() => {
        stamp('PoPToP ready');
        return runCalls('PoPToP', '10.233.0.3/24', cells.map((c) => callOf(c, poptopId(c), poptopAddr.get(poptopKeyOf(c))!)));
      }).finally(() => stamp('PoPToP calls done')),
    ]);
    const results = new Map([...ourRun.results, ...poptopRun.results]);

    const rows: string[] = ['| server bits | server stateful | client | client mppe-stateful | PoPToP | pptpd-ts |', '|---|---|---|---|---|---|'];
    const problems: string[] = [];
    for (const c of cells) {
      const o = results.get(ourId(c));
      const p = results.get(poptopId(c));
      const ourOut = outcomeOf(o);
      const popOut = outcomeOf(p);
      rows.push(`| ${c.serverBits.join(',')} | ${c.serverStateful ? 'allow' : 'deny'} | ${c.client} | ${c.clientStateful ? 'yes' : 'no'} | ${show(popOut)} | ${show(ourOut)} |`);
      const where = `${cellKey(c)}: PoPToP ${show(popOut)} (exit ${p?.pppdExit}), pptpd-ts ${show(ourOut)} (exit ${o?.pppdExit})`;
      if (!o || !p) problems.push(`${where}: missing result`);
      else if (o.up !== p.up || o.mppe !== p.mppe) problems.push(`${where}\n  pptpd-ts: ${o.log.join('\n    ')}\n  PoPToP: ${p.log.join('\n    ')}`);
      else if (o.up && (o.pingReceived < 1 || p.pingReceived < 1)) problems.push(`${where}: up but ping ${o.pingReceived}/${p.pingReceived}`);
      // "Not up" must be MPPE's doing on both sides, not a timeout of a starved guest.
      for (const [who, r] of [['pptpd-ts', o], ['PoPToP', p]] as const) {
        if (r && !r.up && !r.log.some((l) => MPPE_FAILED.test(l))) problems.push(`${cellKey(c)}: ${who} not up without an MPPE reason:\n    ${r.log.join('\n    ')}`);
      }
      const recorded = poptopOutcome(c);
      if (popOut && (popOut.up !== recorded.up || popOut.mppe !== recorded.mppe)) {
        problems.push(`${cellKey(c)}: live PoPToP ${show(popOut)} but the recorded outcome is ${show(recorded)}`);
      }
    }
    for (const row of rows) t.diagnostic(row);
    t.diagnostic(`${results.size} calls; seconds from the start: ${JSON.stringify(timing)}`);
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});
