/**
 * @module serve/train/train-worker
 * Worker-thread entry of a background training job: opens its own connection to the (file) store,
 * trains and stores a new version (serve/train/train), and reports progress and the outcome to the
 * server thread, which then swaps the model in. Training never blocks the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError, FusionrecError } from '../../errors.js';
import { openStore } from '../../store/open.js';
import { type TrainSpec, trainVersion } from './train.js';

const { storeUrl, spec } = workerData as { storeUrl: string; spec: TrainSpec };
const port = parentPort!;
const store = await openStore(storeUrl);
try {
  const out = await trainVersion(store, { ...spec, activate: false }, (p) =>
    port.postMessage({ type: 'progress', p }),
  );
  port.postMessage({ type: 'done', version: out.version, dataTime: out.dataTime });
} catch (err) {
  port.postMessage({
    type: 'error',
    message: describeError(err),
    code: err instanceof FusionrecError ? err.code : 'INTERNAL',
  });
} finally {
  await store.close();
}
