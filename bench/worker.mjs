// One client in one fresh process. The orchestrator (child.mjs) forks this file and sends { type: 'task', task };
// the task names the scenario whose `work` runs here (scenarios/), or `probe` for the library's capabilities.
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, probeSharedStore } from './clients.mjs';
import { SCENARIOS } from './scenarios/index.mjs';
import { receive, send } from './worker-channel.mjs';

async function main() {
  const { task } = await receive('task');
  if (task.scenario === 'probe') {
    await send({ type: 'result', result: await probeSharedStore(task.env) });
    process.exit(0);
  }
  const scenario = SCENARIOS[task.scenario];
  if (!scenario) throw new Error(`unknown scenario ${task.scenario}`);
  // A scenario that builds its own clients (overhead.mjs) names none.
  const client = task.client === undefined ? undefined : await createClient(task.client, task.config);
  const result = await scenario.work(client, task);
  await send({ type: 'result', result });
  // Do not wait for keep-alive sockets or timers: the process is done.
  await Promise.race([client?.close(), sleep(1000)]).catch(() => undefined);
  process.exit(0);
}

main().catch(async (error) => {
  await send({ type: 'error', message: String(error?.stack ?? error) }).catch(() => undefined);
  process.exit(1);
});
