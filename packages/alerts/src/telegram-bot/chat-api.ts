/** What the REST API answered: its status, and the JSON body (or the text when it was not JSON). */
export interface ApiAnswer {
  status: number;
  body: any;
}

/**
 * The system's REST API as one linked chat: every call carries the chat's API key (so the
 * platform checks the user's scopes and audits each write under the key `telegram <chat> <user>`)
 * and a request id naming the chat and the update, which joins audit_log rows to the command.
 */
export class ChatApi {
  readonly requestIds: string[] = [];
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly requestIdPrefix: string;
  private readonly timeoutMs: number;

  constructor(options: { baseUrl: string; apiKey: string; chatId: string; updateId: number; timeoutMs?: number }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.requestIdPrefix = `telegram-${options.chatId}-${options.updateId}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async call(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<ApiAnswer> {
    const requestId = `${this.requestIdPrefix}-${this.requestIds.length + 1}`;
    this.requestIds.push(requestId);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, 'x-request-id': requestId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the text itself is the answer.
    }
    return { status: response.status, body: parsed };
  }
}

/** The API's own words for a refusal (`message` of the error contract), for the chat. */
export function refusalText(answer: ApiAnswer): string {
  const message =
    typeof answer.body === 'object' && answer.body !== null && typeof answer.body.message === 'string'
      ? answer.body.message
      : String(answer.body).slice(0, 300);
  return `Refused (${answer.status}): ${message}`;
}
