/** A thread that imports strategy modules and describes them (name, description, parameter schema), so user code never runs on the caller's loop. */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isStrategyDefinition } from '../strategy/define.ts';
import { parameterSchemaJson } from '../strategy/parameters.ts';

const files = (workerData as { files: string[] }).files;
for (const file of files) {
  try {
    const loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (!isStrategyDefinition(loaded.default)) throw new Error('does not default-export a strategy (export default defineStrategy({...}))');
    const definition = loaded.default;
    parentPort!.postMessage({ file, name: definition.name, description: definition.description, parameters: parameterSchemaJson(definition.parameters) });
  } catch (error) {
    parentPort!.postMessage({ file, error: error instanceof Error ? error.message : String(error) });
  }
}
parentPort!.postMessage({ done: true });
