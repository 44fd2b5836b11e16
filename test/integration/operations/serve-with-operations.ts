// Test harness child: `pptpd-ts serve` plus startOperations, as the composition root will
// run them once it is wired (server/cli/serve.ts is the coordinator's). The operations
// keys (telemetry, dynamicAuthorization) come from a separate JSON file (--ops) because
// the configuration schema does not know them yet.
//   node --import tsx serve-with-operations.ts -c config.yaml --ops ops.json [--tun pptp0]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runServe } from '../../../server/cli/serve.js';
import { startOperations } from '../../../server/control/index.js';
import { createLogger } from '../../../server/log.js';

const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' }, ops: { type: 'string' }, tun: { type: 'string' } } });
const server = await runServe({ config: values.config!, tun: values.tun ?? 'pptp0', logFormat: 'json', pidfile: false });
const log = createLogger({ level: 'info', format: 'json' });
const ops = await startOperations({ server, config: JSON.parse(readFileSync(values.ops!, 'utf8')) as unknown, log });
process.on('SIGTERM', () => void ops.stop());
log.info('operations ready');
