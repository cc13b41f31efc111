import { startServer } from '@safelight/server';

export interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
}

/** `safelight serve`: the delivery server until SIGINT/SIGTERM, then a graceful shutdown. */
export async function runServe(options: ServeOptions): Promise<number> {
  const server = await startServer({
    host: options.host,
    port: options.port,
    dataDir: options.dataDir,
    storage: options.databaseUrl
      ? {
          kind: 'postgres',
          url: options.databaseUrl,
          ...(options.schema ? { schema: options.schema } : {}),
        }
      : { kind: 'sqlite', dataDir: options.dataDir },
  });
  process.stdout.write(`safelight delivery server listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('shutting down\n');
  await server.close();
  return 0;
}
