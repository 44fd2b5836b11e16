// The runtime's control link (server/runtime/control-link.ts) over real loopback TCP, with
// short timers: the PPTP echo timeout ends the calls with Lost-Carrier and closes the
// connection; limits.deadlines.call stops a connection that never places a call; and a
// peer that never closes its side (half-open, as a flooding host leaves it) cannot keep a
// stopped connection open.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { CallSession } from '../../../../server/runtime/call-session.js';
import { ControlLink, type ControlHost, type ControlLinkLimits } from '../../../../server/runtime/control-link.js';
import type { ControlOptions } from '../../../../server/pptp/control-types.js';
import { ControlConnection } from '../../../../server/pptp/control.js';
import { now } from '../../../../server/timers.js';
import { waitFor } from '../../../helpers/wait.js';

interface Fixture {
  server: net.Server;
  port: number;
  logs: string[];
  links: ControlLink[];
  closed: ControlLink[];
  lowered: { cause: string; reason: string }[];
}

let fixture: Fixture | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const l of fixture?.links ?? []) l.destroy();
  await new Promise<void>((r) => (fixture ? fixture.server.close(() => r()) : r()));
  fixture = undefined;
});

async function listen(options: Omit<ControlOptions, 'role'>, limits: ControlLinkLimits = {}): Promise<Fixture> {
  const logs: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(String((JSON.parse(chunk.toString()) as { msg: string }).msg));
        cb();
      },
    }),
  );
  const f: Fixture = { server: net.createServer(), port: 0, logs, links: [], closed: [], lowered: [] };
  let nextCallId = 100;
  const host: ControlHost = {
    placeCall: () => {
      // A stand-in session: the link only starts it and lowers it.
      const session = {
        callId: nextCallId++,
        start: () => undefined,
        lowerDown: (cause: string, reason: string) => f.lowered.push({ cause, reason }),
      } as unknown as CallSession;
      return { ok: true, session };
    },
    linkClosed: (l) => f.closed.push(l),
  };
  f.server.on('connection', (s) => f.links.push(new ControlLink(s, { role: 'server', ...options }, host, log, limits)));
  await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', () => r()));
  f.port = (f.server.address() as net.AddressInfo).port;
  fixture = f;
  return f;
}

/**
 * A client that does its part (SCCRQ, optionally an OCRQ) and then goes silent: it stops
 * reading and answering, and never closes its side of TCP (allowHalfOpen), as a hostile
 * or dead host would.
 */
function silentPeer(port: number, o: { placeCall: boolean }): Promise<{ socket: net.Socket; up: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    sockets.push(socket);
    const core = new ControlConnection({ role: 'client', echoInterval: 0 }, now());
    let silent = false;
    let markUp: () => void = () => undefined;
    const up = new Promise<void>((r) => (markUp = r));
    const pump = (): void => {
      for (let ev = core.pollEvent(); ev; ev = core.pollEvent()) {
        if (ev.type === 'control-connection-up') {
          if (o.placeCall) core.placeCall({ callId: 9 }, now());
          else {
            silent = true;
            markUp();
          }
        }
        if (ev.type === 'call-connected') {
          silent = true;
          markUp();
        }
      }
      for (let out = core.pollTransmit(); out; out = core.pollTransmit()) socket.write(out);
    };
    socket.on('connect', () => {
      core.start(now());
      pump();
      resolve({ socket, up });
    });
    socket.on('data', (d) => {
      if (silent) return; // deaf from now on: Echo-Requests and StopCCRQ go unanswered
      core.handleData(d, now());
      pump();
    });
    socket.on('error', () => undefined);
  });
}

describe('ControlLink timers', () => {
  test('PPTP echo timeout: calls end with Lost-Carrier and the link closes, though the peer never closes TCP', async () => {
    const f = await listen({ echoInterval: 200, echoTimeout: 200 });
    const { up } = await silentPeer(f.port, { placeCall: true });
    await up;
    const t0 = Date.now();
    await waitFor('the call to be lowered', () => f.lowered.length > 0);
    assert.deepEqual(f.lowered, [{ cause: 'Lost-Carrier', reason: 'PPTP echo timeout' }]);
    assert.ok(f.logs.some((m) => /no answer to Echo-Request, dropping it/.test(m)), f.logs.join('\n'));
    const waited = Date.now() - t0;
    assert.ok(waited < 1_500, `echo timeout took ${waited} ms`);
    // The peer keeps its side open: the link must still go away, bounded.
    await waitFor('the link to close', () => f.closed.length === 1);
  });

  test('limits.deadlines.call: a connection that never places a call is stopped and closed', async () => {
    const f = await listen({ echoInterval: 0, stopTimeout: 300 }, { callDeadlineMs: 300 });
    const { up } = await silentPeer(f.port, { placeCall: false });
    await up;
    await waitFor('the deadline', () => f.logs.some((m) => /no call within 0\.3 s \(limits\.deadlines\.call\), closing it/.test(m)));
    await waitFor('the link to close', () => f.closed.length === 1);
  });

  test('limits.deadlines.call does not touch a connection whose call was accepted', async () => {
    const f = await listen({ echoInterval: 0 }, { callDeadlineMs: 200 });
    const { up } = await silentPeer(f.port, { placeCall: true });
    await up;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(f.closed.length, 0);
    assert.equal(f.lowered.length, 0);
    assert.ok(!f.logs.some((m) => /limits\.deadlines\.call/.test(m)));
  });

  test('stimeout: a connection that never sends SCCRQ is closed even when the peer keeps TCP half-open', async () => {
    const f = await listen({ startTimeout: 200, echoInterval: 0 });
    const s = net.connect({ port: f.port, host: '127.0.0.1', allowHalfOpen: true });
    sockets.push(s);
    s.on('error', () => undefined);
    s.pause(); // reads nothing, never ends its side
    await waitFor('stimeout', () => f.logs.some((m) => /no SCCRQ within the start timeout/.test(m)));
    await waitFor('the link to close', () => f.closed.length === 1);
  });
});
