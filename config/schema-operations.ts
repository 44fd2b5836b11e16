// The operations sections of the configuration: the control socket, telemetry
// (Prometheus, OTLP) and the RFC 5176 Dynamic Authorization listener. The one home of
// their rules and defaults: server/control and server/telemetry receive these parsed,
// defaulted objects and validate nothing again. Checks that need the machine (the group
// exists, the socket's directory can be made) are in config/host-checks.ts.
import { isIP } from 'node:net';
import { z } from 'zod';
import { seconds, secret } from './schema-common.js';

/** A listening port; 0 = any free port (tests). */
const listenPort = z.number().int().min(0).max(65535);

/** An IP address to bind or match. Host names are refused: a name resolves differently over time. */
const ipAddress = (example: string) =>
  z.string().refine((s) => isIP(s) !== 0, { message: `not an IP address: give one such as ${example} (host names are not resolved)` });

/** Longest unix socket path Linux takes (sun_path is 108 bytes with the NUL). */
export const MAX_SOCKET_PATH = 107;

export const ControlSection = z.strictObject({
  enabled: z.boolean().default(true),
  socket: z
    .string()
    .min(1)
    .refine((p) => p.startsWith('/'), { message: 'must be an absolute path, such as /run/pptpd-ts/control.sock' })
    .refine((p) => !p.endsWith('/'), { message: 'names a directory: give the socket file, such as /run/pptpd-ts/control.sock' })
    .refine((p) => Buffer.byteLength(p) <= MAX_SOCKET_PATH, { message: `is longer than ${MAX_SOCKET_PATH} bytes, the most a unix socket path can hold: choose a shorter path` })
    .default('/run/pptpd-ts/control.sock'),
  // A custom check, so an unquoted 0660 (YAML 1.2 reads the integer 660) gets the fix, not "must be a string".
  mode: z
    .custom<string>((v) => typeof v === 'string' && /^0?[0-7]{3}$/.test(v), {
      message: 'must be an octal file mode in quotes, such as "0660" (YAML reads 0660 unquoted as the number 660)',
    })
    .default('0660'),
  group: z.union([z.string().min(1), z.number().int().nonnegative()]).optional(),
});

// Present = on: a section given switches its exporter on, so there is no prefault here.
export const TelemetrySection = z.strictObject({
  serviceName: z.string().min(1).default('pptpd-ts'),
  prometheus: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: ipAddress('127.0.0.1 or ::1').default('127.0.0.1'),
      port: listenPort.default(9464),
    })
    .optional(),
  otlp: z
    .strictObject({
      enabled: z.boolean().default(true),
      endpoint: z.string().superRefine((u, ctx) => {
        if (!/^https?:\/\//.test(u)) ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL, such as http://127.0.0.1:4318' });
        else if (!URL.canParse(u) || new URL(u).hostname === '') ctx.addIssue({ code: 'custom', message: 'is not a valid URL: give one such as http://127.0.0.1:4318' });
      }),
      headers: z.record(z.string(), z.string()).default({}),
      traces: z.boolean().default(true),
      metrics: z.boolean().default(true),
      interval: seconds.min(1).default(60),
    })
    .optional(),
});

const DynAuthClient = z.strictObject({ address: ipAddress('192.0.2.10'), secret });

export const DynamicAuthorizationSection = z
  .strictObject({
    enabled: z.boolean().default(true),
    address: ipAddress('0.0.0.0 or ::').default('0.0.0.0'),
    port: listenPort.default(3799),
    requireMessageAuthenticator: z.boolean().default(true),
    // RFC 5176 §3.3: a request whose Event-Timestamp is further than this from our clock is
    // dropped (a captured Disconnect or CoA replayed later); 0 turns the check off.
    eventTimestampWindow: z.number().int().min(0).max(86_400).default(300),
    /** Drop requests without Event-Timestamp (replay protection for every request). */
    requireEventTimestamp: z.boolean().default(false),
    nasIdentifier: z.string().min(1).optional(),
    clients: z.array(DynAuthClient).min(1, { message: 'needs at least one client { address, secret }' }),
  })
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.clients.forEach((c, i) => {
      const a = c.address.toLowerCase();
      if (seen.has(a)) {
        ctx.addIssue({ code: 'custom', path: ['clients', i, 'address'], message: `${c.address} is listed twice: keep one entry (one secret per client)` });
      }
      seen.add(a);
      // A UDP socket of one family never receives from the other, except '::' (dual stack).
      const v4Socket = isIP(d.address) === 4;
      if (isIP(c.address) === 6 && v4Socket) {
        ctx.addIssue({ code: 'custom', path: ['clients', i, 'address'], message: `an IPv6 client can never reach the IPv4 address ${d.address}: set dynamicAuthorization.address to ::` });
      } else if (isIP(c.address) === 4 && !v4Socket && d.address !== '::') {
        ctx.addIssue({ code: 'custom', path: ['clients', i, 'address'], message: `an IPv4 client can never reach the IPv6 address ${d.address}: set dynamicAuthorization.address to :: or 0.0.0.0` });
      }
    });
  });

export type ControlConfig = z.infer<typeof ControlSection>;
export type TelemetryConfig = z.infer<typeof TelemetrySection>;
export type DynamicAuthorizationConfig = z.infer<typeof DynamicAuthorizationSection>;
