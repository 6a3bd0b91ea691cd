// The worker's side of the messages with the orchestrator (child.mjs): a scenario's work waits for its cues here.
import process from 'node:process';

const inbox = [];
const waiters = [];
process.on('message', (message) => {
  const waiter = waiters.findIndex((w) => w.type === message.type);
  if (waiter >= 0) waiters.splice(waiter, 1)[0].resolve(message);
  else inbox.push(message);
});

/** Sends a message to the orchestrator; resolves once it is written. */
export function send(message) {
  return new Promise((resolve) => process.send(message, resolve));
}

/** The next message of a type from the orchestrator. */
export function receive(type) {
  const queued = inbox.findIndex((m) => m.type === type);
  if (queued >= 0) return Promise.resolve(inbox.splice(queued, 1)[0]);
  return new Promise((resolve) => waiters.push({ type, resolve }));
}
