import { createRequire } from 'node:module';
import type * as KeyvRedisModule from '@keyv/redis';

let loaded: typeof KeyvRedisModule | undefined;

/**
 * `@keyv/redis` (node-redis under it: some 400 modules, ~8 MiB of heap) loaded on first use, so an application
 * without a Redis cache never loads it: a heap that size makes every garbage collection of a busy process dearer,
 * which its hot path pays on every call. Loaded synchronously (the store is built in the manager's constructor)
 * through its CommonJS build, which the package ships for `require`.
 */
export function keyvRedis(): typeof KeyvRedisModule {
  return (loaded ??= createRequire(import.meta.url)('@keyv/redis') as typeof KeyvRedisModule);
}
