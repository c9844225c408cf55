/**
 * @module cli/main
 * The `fusionrec` command line: wiring only; each command lives in commands/.
 */
import { Command } from 'commander';
import { describeError, FusionrecError } from '../errors.js';
import { registerAb } from './commands/ab.js';
import { registerDemo } from './commands/demo.js';
import { registerEncode } from './commands/encode.js';
import { registerExperiment } from './commands/experiment.js';
import { registerImport } from './commands/import.js';
import { registerInspect } from './commands/inspect.js';
import { registerMigrate } from './commands/migrate.js';
import { registerServe } from './commands/serve.js';
import { registerStreamSend } from './commands/stream-send.js';
import { registerTrain } from './commands/train.js';
import { registerTune } from './commands/tune.js';
import { registerWorker } from './commands/worker.js';

const program = new Command();
program
  .name('fusionrec')
  .description('multimodal recommendation engine: ingest, encode, fuse, train, evaluate, serve')
  .version('0.1.0');
registerExperiment(program);
registerDemo(program);
registerInspect(program);
registerEncode(program);
registerTune(program);
registerImport(program);
registerTrain(program);
registerServe(program);
registerWorker(program);
registerStreamSend(program);
registerAb(program);
registerMigrate(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`fusionrec: ${describeError(err)}\n`);
  if (!(err instanceof FusionrecError) && process.env.FUSIONREC_DEBUG)
    process.stderr.write(`${String((err as Error)?.stack)}\n`);
  process.exitCode = err instanceof FusionrecError ? 2 : 1;
}
