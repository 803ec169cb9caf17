import { createServer } from 'node:net';
import { StartRefusedError } from './start-refused.ts';

/** The refusal for a port another program holds: which port, and how to choose another. */
export function portInUse(host: string, port: number): StartRefusedError {
  return new StartRefusedError(
    `PORT ${port} on ${host} is already in use by another program. Choose another port with the PORT variable, ` +
      `for example PORT=${port === 65535 ? 8081 : port + 1} pnpm start (PORT=0 picks any free port). Nothing was started or written.`,
  );
}

/**
 * Checks that HOST:PORT can be listened on, before anything is started or written (a system that
 * cannot listen must not leave a database, an admin or a runtime file behind).
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(portInUse(host, port));
      else if (error.code === 'EACCES')
        reject(
          new StartRefusedError(
            `PORT ${port} on ${host}: not allowed to listen there (ports below 1024 need privileges); choose another with PORT=<number> pnpm start`,
          ),
        );
      else if (error.code === 'EADDRNOTAVAIL')
        reject(new StartRefusedError(`HOST ${host} is not an address of this machine; set HOST=127.0.0.1 (or another local address)`));
      else reject(error);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** A port free on loopback now (the system then listens on it; PORT=0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
