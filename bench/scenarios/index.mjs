// Every scenario, in the order they run and appear in the report. Each module exports:
//   params  { full, quick }       its parameters for `npm run bench` and `npm run bench:quick`
//   run(ctx)                      the orchestration, in the main process; returns { params, reps, summary }
//   work(client, task)            what one worker process does (the task carries the params)
//   report  { goals, sideBySide, section, figure, files }   its parts of results.md (each optional)
//   usesRedis                     true when it measures the shared store (the runner then starts a redis-server)
import * as fleet from './fleet.mjs';
import * as hot from './hot.mjs';
import * as lookup from './lookup.mjs';
import * as memory from './memory.mjs';
import * as outage from './outage.mjs';
import * as overhead from './overhead.mjs';
import * as rollover from './rollover.mjs';
import * as stampede from './stampede.mjs';
import * as tenants from './tenants.mjs';

export const SCENARIOS = { hot, overhead, lookup, stampede, rollover, outage, fleet, memory, tenants };
