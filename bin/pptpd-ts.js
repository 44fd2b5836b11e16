#!/usr/bin/env node
// Entry point: runs the compiled CLI (dist/, built by `npm ci` through the prepare script).
import { main } from '../dist/server/cli/main.js';
await main(process.argv);
