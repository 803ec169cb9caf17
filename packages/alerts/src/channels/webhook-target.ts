import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Networks a webhook may reach only when an admin allows them (ALERTS_WEBHOOK_ALLOW_NETWORKS). */
export const webhookNetworkKinds = ['loopback', 'private', 'link-local'] as const;
export type WebhookNetworkKind = (typeof webhookNetworkKinds)[number];

/** ipaddr.js's range names per kind; anything else but public unicast is never a webhook target. */
const rangesOf: Record<WebhookNetworkKind, readonly string[]> = {
  // 0.0.0.0 and :: reach this host on Linux: they count as loopback.
  loopback: ['loopback', 'unspecified'],
  private: ['private', 'uniqueLocal', 'carrierGradeNat'],
  'link-local': ['linkLocal'],
};

export class WebhookTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

/** Why an address may not be sent to (undefined: it may). */
export function refusedAddress(address: string, allowed: readonly WebhookNetworkKind[]): string | undefined {
  let range: string;
  try {
    // An IPv4-mapped IPv6 address (::ffff:169.254.169.254) is judged as the IPv4 one it maps.
    range = ipaddr.process(address).range();
  } catch {
    return `${address} is not an IP address`;
  }
  if (range === 'unicast') return undefined;
  const kind = webhookNetworkKinds.find((candidate) => rangesOf[candidate].includes(range));
  if (kind === undefined) return `${address} is a ${range} address, never a webhook target`;
  if (allowed.includes(kind)) return undefined;
  return `${address} is a ${kind} address; webhooks may reach ${kind} addresses only when ALERTS_WEBHOOK_ALLOW_NETWORKS includes ${kind}`;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Resolves a webhook URL's host and checks every address it resolves to (a name with one public
 * and one private address is refused). Throws WebhookTargetError saying which address and why.
 */
export async function checkWebhookTarget(url: URL, allowed: readonly WebhookNetworkKind[]): Promise<void> {
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (
        await new Promise<LookupAddress[]>((resolve, reject) =>
          dnsLookup(host, { all: true, verbatim: true }, (error, found) => (error ? reject(error) : resolve(found))),
        )
      ).map((found) => found.address);
    } catch (error) {
      throw new WebhookTargetError(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  for (const address of addresses) {
    const refused = refusedAddress(address, allowed);
    if (refused) throw new WebhookTargetError(isIP(host) ? refused : `${host} resolves to ${refused}`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the socket that sends a delivery: the addresses it connects to are the ones
 * checked, so a name that resolved to a public address at creation and to 169.254.169.254 now
 * (DNS rebinding) is refused at the connection.
 */
export function guardedLookup(allowed: readonly WebhookNetworkKind[]) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, '');
      for (const found of addresses) {
        const refused = refusedAddress(found.address, allowed);
        if (refused) return callback(Object.assign(new WebhookTargetError(`${hostname} resolves to ${refused}`), { code: 'EREFUSEDTARGET' }), '');
      }
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

/** Checks an address literal in the URL (no lookup happens for one), then answers the guarded lookup for names. */
export function targetCheckOf(url: URL, allowed: readonly WebhookNetworkKind[]): string | undefined {
  const host = hostOf(url);
  return isIP(host) ? refusedAddress(host, allowed) : undefined;
}
