/**
 * The local stand-in bot in a process of its own, for the scale benchmark:
 * the bridge's process then holds only the bridge (and the fake boards that
 * stand for hardware). Started with `fork()`; it sends `{ ready, baseUrl,
 * appId, domain }`, then one `{ arrival }` per message request as it arrives
 * (wall-clock time in ms, comparable across processes on one machine).
 */
import { startStandIn, type RecordedRequest } from '../bridge/botdistrikt/standin.js';

export interface Arrival {
  at: number;
  text: string;
  processed: boolean;
}

const bd = await startStandIn({ appId: '7', domain: 'https://k3j9x0a1qz.bench.example.org' });
const requests = bd.requests;
const push = requests.push.bind(requests);
requests.push = (...items: RecordedRequest[]) => {
  const at = performance.timeOrigin + performance.now();
  for (const r of items)
    // the stand-in fills in the body and whether it processed it right after recording the request
    queueMicrotask(() => {
      if (!/\/message\/?$/.test(r.path)) return;
      const text = String((r.body as { message?: { text?: unknown } } | undefined)?.message?.text ?? '');
      process.send?.({ arrival: { at, text, processed: r.processed } satisfies Arrival });
    });
  return push(...items);
};
process.send?.({ ready: true, baseUrl: bd.baseUrl, appId: bd.appId, domain: bd.domain });
process.on('disconnect', () => void bd.close().then(() => process.exit(0)));
