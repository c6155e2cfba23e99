/**
 * The local stand-in bot in a process of its own, for the scale benchmark:
 * the bridge's process then holds only the bridge (and the fake boards that
 * stand for hardware), and the bot's CPU is not the bridge's. Started with
 * `fork()`; it sends `{ ready, baseUrl, appId, domain }`. It keeps one
 * `Arrival` per message request (wall-clock time in ms, comparable across
 * processes on one machine) and sends them only when asked (`{ dump: true }`
 * → `{ arrivals, cpuMs }`), so that the bridge's process does no work for the
 * measurement while it runs; `{ cpu: true }` → `{ cpuMs }`, its CPU time so far.
 */
import { startStandIn, type RecordedRequest } from '../bridge/botdistrikt/standin.js';

export interface Arrival {
  at: number;
  text: string;
  processed: boolean;
}

export type ChildRequest = { dump: true } | { cpu: true };
export type ChildAnswer = { arrivals: Arrival[]; cpuMs: number } | { cpuMs: number };

const bd = await startStandIn({ appId: '7', domain: 'https://k3j9x0a1qz.bench.example.org' });
const arrivals: Arrival[] = [];
const requests = bd.requests;
const push = requests.push.bind(requests);
requests.push = (...items: RecordedRequest[]) => {
  const at = performance.timeOrigin + performance.now();
  for (const r of items)
    // the stand-in fills in the body and whether it processed it right after recording the request
    queueMicrotask(() => {
      if (!/\/message\/?$/.test(r.path)) return;
      const text = String((r.body as { message?: { text?: unknown } } | undefined)?.message?.text ?? '');
      arrivals.push({ at, text, processed: r.processed });
    });
  // the bot's own record of every request is not needed here, and would only grow
  requests.length = 0;
  return push(...items);
};
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
process.on('message', (m: ChildRequest) => {
  if ('dump' in m) process.send?.({ arrivals, cpuMs: cpuMs() } satisfies ChildAnswer);
  else process.send?.({ cpuMs: cpuMs() } satisfies ChildAnswer);
});
process.send?.({ ready: true, baseUrl: bd.baseUrl, appId: bd.appId, domain: bd.domain });
process.on('disconnect', () => void bd.close().then(() => process.exit(0)));
