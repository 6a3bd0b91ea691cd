// One instance of a fleet, for the shared cache tests: its own AccessTokenManager (the built library) in its own
// process, driven by the test over IPC. Options come as JSON in FLEET_OPTIONS.
import { AccessTokenManager } from '../../libs/access-token-management/dist/index.js';

const manager = new AccessTokenManager(JSON.parse(process.env.FLEET_OPTIONS ?? '{}'), {
  logger: { log: () => undefined, warn: (message) => process.send?.({ type: 'warn', message }) },
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Open loop, as traffic comes: a call every `intervalMs` until `until`, whatever earlier calls are waiting for. */
async function load({ intervalMs, until }) {
  const records = [];
  const pending = [];
  for (let next = Date.now(); next < until; next += intervalMs) {
    await sleep(next - Date.now());
    const at = Date.now();
    pending.push(
      manager.getAccessToken('orders').then(
        () => records.push({ at, ms: Date.now() - at }),
        (error) => records.push({ at, ms: Date.now() - at, error: error?.code ?? String(error) }),
      ),
    );
  }
  await Promise.all(pending);
  return records.sort((a, b) => a.at - b.at);
}

process.on('message', async (command) => {
  if (command.type === 'burst') {
    const results = await Promise.allSettled(
      Array.from({ length: command.calls }, () => manager.getAccessToken('orders')),
    );
    process.send?.({
      type: 'burst',
      values: results.map((r) => (r.status === 'fulfilled' ? r.value.value : null)),
      errors: results.filter((r) => r.status === 'rejected').map((r) => r.reason?.code ?? String(r.reason)),
    });
  } else if (command.type === 'load') {
    process.send?.({ type: 'load', records: await load(command) });
  } else if (command.type === 'exit') {
    await manager.close();
    process.exit(0);
  }
});

process.send?.({ type: 'ready' });
