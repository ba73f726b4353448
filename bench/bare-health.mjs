// The start-up baseline of bench/startup.ts: a bare Fastify process that answers the hub's health
// path, started the same way as the hub (`node <file>`, PORT and HOST from the environment).
import process from 'node:process';
import Fastify from 'fastify';

const app = Fastify();
app.get('/api/v1/integrations/health', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT ?? 3001), host: process.env.HOST ?? '127.0.0.1' });
