// Every fuzz target, in one list for the CI test and the benchmark.
import type { FuzzTarget } from './harness.js';
import { greTarget, pptpControlClient, pptpControlServer, pptpFramer } from './targets-pptp.js';
import { authClient, authServer, mppeTarget, pppFrame, pppSessionClient, pppSessionServer } from './targets-ppp.js';

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  pptpFramer,
  pptpControlServer,
  pptpControlClient,
  greTarget,
  pppFrame,
  pppSessionServer,
  pppSessionClient,
  authServer,
  authClient,
  mppeTarget,
];
