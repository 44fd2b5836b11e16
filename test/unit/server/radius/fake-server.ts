// A tiny RADIUS responder on 127.0.0.1 for tests of the client's own logic
// (retries, failover, identifiers) and of misbehaving servers (bad
// authenticators, duplicates), which a real FreeRADIUS cannot be made to be.
// Each request is decoded with the `radius` codec (which also verifies an
// Access-Request's Message-Authenticator) and handed to `respond`, which
// returns the datagrams to send back (none = drop it).

import dgram from 'node:dgram';
import radius from 'radius';
import { ensureRadiusDictionary } from '../../../../server/radius/dictionary.js';

export interface Received {
  readonly raw: Buffer;
  readonly packet: radius.RadiusPacket & { authenticator: Buffer };
  readonly at: number;
}

export type Respond = (req: Received, index: number) => Buffer[] | Promise<Buffer[]>;

export interface FakeServer {
  readonly port: number;
  readonly received: Received[];
  close(): Promise<void>;
}

export async function startFakeServer(secret: string, respond: Respond): Promise<FakeServer> {
  ensureRadiusDictionary();
  const socket = dgram.createSocket('udp4');
  const received: Received[] = [];
  socket.on('message', (raw, rinfo) => {
    let packet: Received['packet'];
    try {
      packet = radius.decode({ packet: raw, secret }) as Received['packet'];
    } catch {
      return; // undecodable or bad Message-Authenticator: a real server drops it too
    }
    const r: Received = { raw: Buffer.from(raw), packet, at: performance.now() };
    received.push(r);
    void Promise.resolve(respond(r, received.length - 1)).then((out) => {
      for (const b of out) socket.send(b, rinfo.port, rinfo.address);
    });
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    port: socket.address().port,
    received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A reply to `req` (the codec adds a Message-Authenticator when the request had one). */
export function reply(req: Received, secret: string, code: string, attributes: unknown[] = []): Buffer {
  return radius.encode_response({ packet: req.packet, code, secret, attributes });
}

/** The same reply with one Response Authenticator octet flipped. */
export function corruptAuthenticator(packet: Buffer): Buffer {
  const b = Buffer.from(packet);
  b[4] = b[4]! ^ 0xff;
  return b;
}
