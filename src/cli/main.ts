/**
 * @module cli/main
 * The `fusionrec` command line: wiring only; each command lives in commands/.
 */
import { Command } from 'commander';
import { applyFlags, settings } from '../config/runtime.js';
import { describeError, FusionrecError } from '../errors.js';
import { registerAb } from './commands/ab.js';
import { registerConfig } from './commands/config.js';
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
  .version('0.1.0')
  .option(
    '--settings <file>',
    'settings file (JSON; default $FUSIONREC_CONFIG, else ./fusionrec.config.json)',
  )
  .hook('preAction', () => {
    const file = program.opts<{ settings?: string }>().settings;
    if (file !== undefined) applyFlags({}, file);
    settings(); // validate the file and the environment before any work starts
  });
registerConfig(program);
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
  if (!(err instanceof FusionrecError) && debugEnabled())
    process.stderr.write(`${String((err as Error)?.stack)}\n`);
  process.exitCode = err instanceof FusionrecError ? 2 : 1;
}

function debugEnabled(): boolean {
  try {
    return settings().debug;
  } catch {
    return false;
  }
}
