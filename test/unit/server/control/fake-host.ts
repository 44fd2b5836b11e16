// A typed stand-in for PptpServer's operator surface (server/control/host.ts): sessions
// are plain SessionView objects; kill / changeTimeouts record what they were asked and
// act on the list the way the real server does (select by user, ip or session).

import type { KillCause, OperationsHost, SessionSelector, SessionView } from '../../../../server/control/host.js';

export function view(p: Partial<SessionView> & { sessionId: string }): SessionView {
  return {
    callId: 1,
    state: 'up',
    userName: undefined,
    peerName: undefined,
    clientAddress: '192.0.2.10',
    address: undefined,
    authMethod: 'mschap-v2',
    encryption: 'MPPE-128 stateless',
    createdAt: Date.now() - 65_000,
    upAt: Date.now() - 60_000,
    inputOctets: 0,
    outputOctets: 0,
    inputPackets: 0,
    outputPackets: 0,
    sessionTimeLeft: undefined,
    idleTimeout: 0,
    ...p,
  };
}

export class FakeHost implements OperationsHost {
  list: SessionView[];
  readonly killed: { sel: SessionSelector; cause: KillCause | undefined; reason: string | undefined }[] = [];
  readonly changed: { sel: SessionSelector; t: { sessionTimeout?: number; idleTimeout?: number } }[] = [];
  readonly pool = { size: 10, free: 8, inUse: 2 };
  readonly dataPath = { drops: { greMalformed: 3, greUnknownCall: 1, greWrongPeer: 0, tunNoSession: 7, oversize: 0 } };
  readonly links = { size: 2 };
  readonly registry = { byCallId: (id: number) => this.list.find((s) => s.callId === id) };

  constructor(list: SessionView[] = []) {
    this.list = list;
  }

  sessions(): SessionView[] {
    return this.list.map((s) => ({ ...s }));
  }

  #select(sel: SessionSelector): SessionView[] {
    return this.list.filter(
      (s) =>
        (sel.user === undefined || s.userName?.toLowerCase() === sel.user.toLowerCase()) &&
        (sel.ip === undefined || s.address === sel.ip) &&
        (sel.session === undefined || s.sessionId === sel.session),
    );
  }

  kill(sel: SessionSelector, cause?: KillCause, reason?: string): number {
    if (sel.user === undefined && sel.ip === undefined && sel.session === undefined) return 0;
    this.killed.push({ sel, cause, reason });
    const hit = this.#select(sel);
    this.list = this.list.filter((s) => !hit.includes(s));
    return hit.length;
  }

  changeTimeouts(sel: SessionSelector, t: { sessionTimeout?: number; idleTimeout?: number }): number {
    this.changed.push({ sel, t });
    const hit = this.#select(sel);
    this.list = this.list.map((s) =>
      hit.includes(s)
        ? { ...s, ...(t.sessionTimeout !== undefined ? { sessionTimeLeft: t.sessionTimeout } : {}), ...(t.idleTimeout !== undefined ? { idleTimeout: t.idleTimeout } : {}) }
        : s,
    );
    return hit.length;
  }
}
