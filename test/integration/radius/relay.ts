// A UDP relay on 127.0.0.1 in front of a real RADIUS server that can misbehave
// on the way back: duplicate each reply, or corrupt it. FreeRADIUS itself
// cannot be made to send bad authenticators or duplicates; this can.

import dgram from 'node:dgram';

export type Mangle = (reply: Buffer) => Buffer[];

export interface Relay {
  readonly port: number;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number, mangle: Mangle): Promise<Relay> {
  const front = dgram.createSocket('udp4');
  const back = dgram.createSocket('udp4');
  let client: dgram.RemoteInfo | undefined;
  front.on('message', (msg, rinfo) => {
    client = rinfo;
    back.send(msg, targetPort, '127.0.0.1');
  });
  back.on('message', (msg) => {
    if (client === undefined) return;
    for (const b of mangle(msg)) front.send(b, client.port, client.address);
  });
  await Promise.all([
    new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r())),
    new Promise<void>((r) => back.bind(0, '127.0.0.1', () => r())),
  ]);
  return {
    port: front.address().port,
    close: async () => {
      await Promise.all([new Promise<void>((r) => front.close(() => r())), new Promise<void>((r) => back.close(() => r()))]);
    },
  };
}
