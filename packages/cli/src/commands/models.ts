import { writeFile } from 'node:fs/promises';
import type { PageItem } from '@closecross/client';
import type { Command } from 'commander';
import { auctionRowBatches, readableFile, writeRows, type AuctionRow } from '../csv-files.ts';
import type { Context } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { integer, newerRoute, oneOf, type Run } from './shared.ts';

function parameters(pairs: readonly string[]): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--param ${JSON.stringify(pair)}: name=value is expected (e.g. max_depth=6)`, exitCodes.usage);
    const text = pair.slice(at + 1);
    params[pair.slice(0, at)] = text === 'true' ? true : text === 'false' ? false : text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  }
  return params;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function modelCommands(program: Command, run: Run): void {
  const models = program.command('models').description('Models: train, infer, predict, report, download');

  models
    .command('list')
    .description('Registered models')
    .option('--name <name>', 'only this name')
    .action(
      run(async (cx: Context, options: { name?: string }) => {
        const rows: PageItem<'/models/'>[] = [];
        for await (const model of cx.client().paginate('/models/', { page_size: 500, ...(options.name ? { model_name: options.name } : {}) })) rows.push(model);
        cx.emit(rows, () =>
          cx.table(rows, [
            { header: 'id', value: (model) => model.model_id },
            { header: 'name', value: (model) => model.model_name },
            { header: 'date_id', value: (model) => model.date_id },
            { header: 'artifact', value: (model) => model.model_artifact_path },
          ]),
        );
      }),
    );

  models
    .command('train <name>')
    .description('Train an XGBoost model on stored auction rows, as a job, with its progress')
    .option('--date-id <n>', 'train on this day only', integer('--date-id'))
    .option('--start-date-id <n>', 'first day', integer('--start-date-id'))
    .option('--end-date-id <n>', 'last day', integer('--end-date-id'))
    .option('--base-model <id>', 'continue from this model (its trees are kept)', integer('--base-model', 1))
    .option('--rounds <n>', 'boosting rounds', integer('--rounds', 1))
    .option('--folds <n>', 'validation folds', integer('--folds', 1))
    .option('--param <name=value>', 'an XGBoost parameter over the defaults (repeatable)', collect, [])
    .option('--no-wait', 'answer the job id at once')
    .action(
      run(
        async (
          cx: Context,
          name: string,
          options: {
            dateId?: number;
            startDateId?: number;
            endDateId?: number;
            baseModel?: number;
            rounds?: number;
            folds?: number;
            param: string[];
            wait: boolean;
          },
        ) => {
          const client = cx.client();
          const body = {
            model_name: name,
            ...(options.dateId !== undefined ? { date_id: options.dateId } : {}),
            ...(options.startDateId !== undefined ? { start_date_id: options.startDateId } : {}),
            ...(options.endDateId !== undefined ? { end_date_id: options.endDateId } : {}),
            ...(options.baseModel !== undefined ? { model_id: options.baseModel } : {}),
            ...(options.rounds !== undefined ? { rounds: options.rounds } : {}),
            ...(options.folds !== undefined ? { folds: options.folds } : {}),
            ...(options.param.length > 0 ? { params: parameters(options.param) } : {}),
          };
          const started = await client.unwrap(client.api.POST('/train-model/', { body }));
          if (!options.wait) return cx.emit(started, () => cx.line(`Training queued: job ${started.job_id} (closecross jobs watch ${started.job_id})`));
          const job = await cx.followJob(started.job_id, `train ${name}`);
          const result = job.result as { model_id: number; model_name: string; rounds: number };
          cx.emit({ job_id: job.id, ...result, metrics: job.metrics }, () =>
            cx.line(`Trained model ${result.model_id} (${result.model_name}, ${result.rounds} rounds): closecross models report ${result.model_id}`),
          );
        },
      ),
    );

  models
    .command('infer <model-id>')
    .description('Predict every row of a day with a model, as a job; the predictions are stored for download')
    .requiredOption('--date-id <n>', 'the day to predict', integer('--date-id'))
    .option('--no-wait', 'answer the job id at once')
    .action(
      run(async (cx: Context, modelId: string, options: { dateId: number; wait: boolean }) => {
        const client = cx.client();
        const started = await client.unwrap(
          client.api.POST('/inference-model/', { body: { model_id: integer('model-id', 1)(modelId), pred_date_id: options.dateId } }),
        );
        if (!options.wait) return cx.emit(started, () => cx.line(`Inference queued: job ${started.job_id}`));
        const job = await cx.followJob(started.job_id, `infer model ${modelId}`);
        const result = job.result as { inference_id: number; rows: number };
        cx.emit({ job_id: job.id, ...result }, () =>
          cx.line(`Inference ${result.inference_id}: ${result.rows} rows predicted (closecross models download predictions ${result.inference_id})`),
        );
      }),
    );

  models
    .command('predict <model-id> <csv>')
    .description('Predictions for the auction rows of a CSV (up to 20,000 rows), in the same order')
    .option('--format <format>', 'csv or json', oneOf('--format', ['csv', 'json'] as const), 'csv')
    .option('--out <file>', 'write here (default: stdout)')
    .action(
      run(async (cx: Context, modelId: string, file: string, options: { format: 'csv' | 'json'; out?: string }) => {
        const rows: AuctionRow[] = [];
        for await (const batch of auctionRowBatches(readableFile(file).path, 20_001, () => undefined)) rows.push(...batch);
        if (rows.length > 20_000)
          throw new CliError(`${file} has ${rows.length} rows: /predict takes up to 20000 (split it, or use models infer)`, exitCodes.usage);
        const answer = await cx
          .client()
          .json<{ model_id: number; predictions: number[] }>('POST', '/predict', { body: { model_id: integer('model-id', 1)(modelId), rows } });
        const predicted = rows.map((row, index) => ({
          row_id: row.row_id ?? `${row.date_id}_${row.seconds_in_bucket}_${row.stock_id}`,
          prediction: answer.predictions[index],
        }));
        await writeRows(predicted, cx.json ? 'json' : options.format, options.out, cx.io.stdout);
      }),
    );

  models
    .command('report [model-id]')
    .description("Validation MAE beside predicting zero: one model's folds, or every model")
    .action(
      run(async (cx: Context, modelId: string | undefined) => {
        const client = cx.client();
        const reports =
          modelId === undefined
            ? await client.json<Record<string, unknown>[]>('GET', '/model-reports')
            : [await client.json<Record<string, unknown>>('GET', `/model-reports/${integer('model-id', 1)(modelId)}`)];
        const rows = Array.isArray(reports) ? reports : ((reports as { reports?: Record<string, unknown>[] }).reports ?? []);
        cx.emit(modelId === undefined ? reports : rows[0], () =>
          cx.table(rows, [
            { header: 'id', value: (row) => row.model_id },
            { header: 'name', value: (row) => row.model_name },
            { header: 'validation MAE', value: (row) => row.validation_mae },
            { header: 'zero MAE', value: (row) => row.zero_mae },
            { header: 'rounds', value: (row) => row.rounds },
            { header: 'base', value: (row) => row.base_model_id },
          ]),
        );
      }),
    );

  models
    .command('download <what> <id>')
    .description("Download an inference's predictions (`predictions <inference-id>`) or a model's XGBoost JSON (`artifact <model-id>`)")
    .option('--format <format>', 'predictions: csv or json', oneOf('--format', ['csv', 'json'] as const), 'csv')
    .option('--out <file>', 'write here (default: stdout)')
    .action(
      run(async (cx: Context, what: string, id: string, options: { format: 'csv' | 'json'; out?: string }) => {
        const kind = oneOf('what', ['predictions', 'artifact'] as const)(what);
        const number = integer(kind === 'predictions' ? 'inference-id' : 'model-id', 1)(id);
        const client = cx.client();
        const format = cx.json ? 'json' : options.format;
        const response =
          kind === 'predictions'
            ? await newerRoute('Downloading predictions', () => client.request('GET', `/model-inferences/${number}/predictions`, { query: { format } }))
            : await newerRoute('Downloading a model', () => client.request('GET', `/models/${number}/artifact`));
        const bytes = Buffer.from(await response.arrayBuffer());
        if (options.out) {
          await writeFile(options.out, bytes);
          cx.note(`${kind === 'predictions' ? `predictions of inference ${number}` : `model ${number}`} written to ${options.out} (${bytes.length} bytes)`);
        } else cx.io.stdout.write(bytes.toString('utf8'));
      }),
    );
}
