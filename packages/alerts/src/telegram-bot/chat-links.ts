import type { Pool } from 'pg';
import { utcIsoColumn } from '@closecross/platform';

/** A chat an admin linked to a user: the chat acts as that user through its own API key. */
export interface ChatLink {
  chat_id: string;
  username: string;
  role: string;
  scopes: string[];
  api_key_id: string;
  linked_by: string;
  linked_at: string;
}

interface ChatLinkRow extends ChatLink {
  api_key_sealed: Buffer;
  confirmation_pending: string | null;
  confirmation_until_ms: number | null;
}

const columns = `chat_id::text as chat_id, username, role, scopes, api_key_id, linked_by, ${utcIsoColumn('linked_at')}`;

/** One update a chat sent: what it said, what came of it, and the request ids of its API calls (audit_log.request_id). */
export interface ChatCommand {
  id: string;
  update_id: string;
  chat_id: string;
  username: string | null;
  text: string;
  outcome: string;
  request_ids: string[];
  received_at: string;
}

/** The telegram_chat_link and telegram_command tables (migration 0020). */
export class ChatLinks {
  private readonly pool: Pool;

  constructor(pool: Pool) {
    this.pool = pool;
  }

  async list(): Promise<ChatLink[]> {
    return (await this.pool.query<ChatLink>(`select ${columns} from telegram_chat_link order by linked_at, chat_id`)).rows;
  }

  async get(chatId: string): Promise<ChatLink | undefined> {
    return (await this.pool.query<ChatLink>(`select ${columns} from telegram_chat_link where chat_id = $1`, [chatId])).rows[0];
  }

  /** The link with what only the bot needs: the sealed key and a pending confirmation. */
  async sealed(chatId: string): Promise<ChatLinkRow | undefined> {
    const result = await this.pool.query<ChatLinkRow>(
      `select ${columns}, api_key_sealed, confirmation_pending, (extract(epoch from confirmation_until) * 1000)::float8 as confirmation_until_ms from telegram_chat_link where chat_id = $1`,
      [chatId],
    );
    return result.rows[0];
  }

  async put(link: Omit<ChatLink, 'linked_at'> & { api_key_sealed: Buffer }): Promise<ChatLink> {
    const result = await this.pool.query<ChatLink>(
      `insert into telegram_chat_link (chat_id, username, role, scopes, api_key_id, api_key_sealed, linked_by) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (chat_id) do update set username = excluded.username, role = excluded.role, scopes = excluded.scopes, api_key_id = excluded.api_key_id,
         api_key_sealed = excluded.api_key_sealed, linked_by = excluded.linked_by, linked_at = now(), confirmation_pending = null, confirmation_until = null
       returning ${columns}`,
      [link.chat_id, link.username, link.role, link.scopes, link.api_key_id, link.api_key_sealed, link.linked_by],
    );
    return result.rows[0]!;
  }

  async remove(chatId: string): Promise<ChatLink | undefined> {
    return (await this.pool.query<ChatLink>(`delete from telegram_chat_link where chat_id = $1 returning ${columns}`, [chatId])).rows[0];
  }

  /** Remembers what the chat must type next, until `untilMs` (Telegram's time of the asking message + the window). */
  async awaitConfirmation(chatId: string, text: string | null, untilMs: number | null): Promise<void> {
    await this.pool.query('update telegram_chat_link set confirmation_pending = $2, confirmation_until = to_timestamp($3::float8 / 1000) where chat_id = $1', [
      chatId,
      text,
      untilMs,
    ]);
  }

  /**
   * Records an update before it runs: `new`; `again` when the same update (id, chat and text) was
   * recorded before, as Telegram redelivers it; `id reused` when the id belongs to another update
   * (Telegram picks update ids at random after a week without updates, and another bot has its
   * own): that one runs, its API calls audited, without a row here.
   */
  async begin(command: { updateId: number; chatId: string; username: string | null; text: string }): Promise<'new' | 'again' | 'id reused'> {
    const text = command.text.slice(0, 1000);
    const result = await this.pool.query(
      `insert into telegram_command (update_id, chat_id, username, text, outcome) values ($1, $2, $3, $4, 'running') on conflict (update_id) do nothing`,
      [command.updateId, command.chatId, command.username, text],
    );
    if (result.rowCount === 1) return 'new';
    const same = await this.pool.query('select 1 from telegram_command where update_id = $1 and chat_id = $2 and text = $3', [
      command.updateId,
      command.chatId,
      text,
    ]);
    return same.rowCount === 1 ? 'again' : 'id reused';
  }

  /** Commands newest first, of one chat or all; page with before_id. */
  async commands(filter: { chat_id?: string | undefined; before_id?: number | undefined; limit: number }): Promise<ChatCommand[]> {
    const result = await this.pool.query<ChatCommand>(
      `select id::text as id, update_id::text as update_id, chat_id::text as chat_id, username, text, outcome, request_ids, ${utcIsoColumn('received_at')}
         from telegram_command where ($1::bigint is null or chat_id = $1) and ($2::bigint is null or id < $2) order by id desc limit $3`,
      [filter.chat_id ?? null, filter.before_id ?? null, filter.limit],
    );
    return result.rows;
  }

  async finish(updateId: number, chatId: string, outcome: string, requestIds: readonly string[]): Promise<void> {
    await this.pool.query('update telegram_command set outcome = $3, request_ids = $4 where update_id = $1 and chat_id = $2', [
      updateId,
      chatId,
      outcome.slice(0, 1000),
      [...requestIds],
    ]);
  }
}
