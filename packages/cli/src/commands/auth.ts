import { hostname } from 'node:os';
import { createClosecrossClient } from '@closecross/client';
import type { Command } from 'commander';
import type { Context } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { configFile, forgetLogin, saveLogin } from '../settings.ts';
import { list, type Run } from './shared.ts';

const allScopes = ['read', 'ingest', 'models', 'risk', 'trade', 'admin'] as const;
type Scope = (typeof allScopes)[number];

function scopesOf(text: string): Scope[] {
  const scopes = list(text);
  const unknown = scopes.filter((scope) => !(allScopes as readonly string[]).includes(scope));
  if (unknown.length > 0 || scopes.length === 0)
    throw new CliError(`--scopes ${JSON.stringify(text)}: allowed are ${allScopes.join(', ')} (comma-separated)`, exitCodes.usage);
  return scopes as Scope[];
}

export function authCommands(program: Command, run: Run): void {
  program
    .command('login')
    .description('Save the server (--url) and a key (--key) for the next commands, verified first. With --username, signs in and makes a key for this machine.')
    .option('--username <name>', "a dashboard user: a key is made for this machine with the user's scopes")
    .option('--password <password>', 'the password (default: CLOSECROSS_PASSWORD)')
    .option('--scopes <list>', 'scopes of the key made with --username', 'read,ingest,models,risk,trade')
    .action(
      run(async (cx: Context, options: { username?: string; password?: string; scopes: string }) => {
        // --url and --key are the program's own options (every command takes them).
        const url = cx.options.url ?? cx.io.env.CLOSECROSS_URL;
        if (!url) throw new CliError('give --url (where the API answers, e.g. http://127.0.0.1:3000)', exitCodes.usage);
        let apiKey = cx.options.key;
        if (!apiKey && options.username) {
          const password = options.password ?? cx.io.env.CLOSECROSS_PASSWORD;
          if (!password) throw new CliError('--password (or CLOSECROSS_PASSWORD) is needed with --username', exitCodes.usage);
          const session = createClosecrossClient({ baseUrl: url, session: { username: options.username, password } });
          const created = await session.unwrap(
            session.api.POST('/auth/keys', { body: { name: `cli ${options.username}@${hostname()}`, scopes: scopesOf(options.scopes) } }),
          );
          apiKey = created.key;
        }
        if (!apiKey) throw new CliError('give --key, or --username and --password', exitCodes.usage);
        const client = createClosecrossClient({ baseUrl: url, apiKey });
        const me = await client.unwrap(client.api.GET('/auth/me'));
        const file = configFile(cx.io.env);
        await saveLogin(file, { url, api_key: apiKey });
        cx.emit({ url, name: me.name, scopes: me.scopes, saved_to: file }, () =>
          cx.line(`Logged in to ${url} as ${me.name} (${me.scopes.join(', ')}); saved in ${file}`),
        );
      }),
    );

  program
    .command('logout')
    .description('Forget the saved server and key (the key itself stays valid: revoke it with keys revoke)')
    .action(
      run(async (cx: Context) => {
        const file = configFile(cx.io.env);
        const removed = await forgetLogin(file);
        cx.emit({ removed, file }, () => cx.line(removed ? `Removed ${file}` : `Nothing saved in ${file}`));
      }),
    );

  program
    .command('whoami')
    .description('Who the server sees: key or user, role and scopes')
    .action(
      run(async (cx: Context) => {
        const client = cx.client();
        const me = await client.unwrap(client.api.GET('/auth/me'));
        cx.emit(me, () => cx.record({ server: client.baseUrl, kind: me.kind, name: me.name, role: me.role, scopes: me.scopes.join(', ') }));
      }),
    );

  const keys = program.command('keys').description('API keys: list, create, revoke');
  keys
    .command('list')
    .description('Every API key (never the keys themselves)')
    .action(
      run(async (cx: Context) => {
        const client = cx.client();
        const { keys: rows } = await client.unwrap(client.api.GET('/auth/keys', { params: { query: { include_revoked: true } } }));
        cx.emit(rows, () =>
          cx.table(rows, [
            { header: 'id', value: (key) => key.id },
            { header: 'name', value: (key) => key.name },
            { header: 'prefix', value: (key) => key.prefix },
            { header: 'scopes', value: (key) => key.scopes.join(',') },
            { header: 'last used', value: (key) => key.last_used_at },
            { header: 'expires', value: (key) => key.expires_at },
            { header: 'revoked', value: (key) => key.revoked_at },
          ]),
        );
      }),
    );
  keys
    .command('create <name>')
    .description('Create a key; it is shown once')
    .requiredOption('--scopes <list>', `comma-separated: ${allScopes.join(', ')}`)
    .option('--expires-at <iso>', 'when it stops working (ISO 8601)')
    .action(
      run(async (cx: Context, name: string, options: { scopes: string; expiresAt?: string }) => {
        const client = cx.client();
        const created = await client.unwrap(
          client.api.POST('/auth/keys', { body: { name, scopes: scopesOf(options.scopes), ...(options.expiresAt ? { expires_at: options.expiresAt } : {}) } }),
        );
        cx.emit(created, () => {
          cx.record({ id: created.id, name: created.name, scopes: created.scopes.join(', '), key: created.key });
          cx.note('The key is shown only now: keep it.');
        });
      }),
    );
  keys
    .command('revoke <id>')
    .description('Revoke a key')
    .action(
      run(async (cx: Context, id: string) => {
        const client = cx.client();
        const revoked = await client.unwrap(client.api.DELETE('/auth/keys/{id}', { params: { path: { id } } }));
        cx.emit(revoked, () => cx.line(`Revoked key ${id}`));
      }),
    );
}
