// One Temporal connection + client per process.
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { Config } from '../config';
import { tracingClientInterceptors } from '../observability/tracing';
import { allSearchAttributes } from './search-attributes';

export async function createTemporalClient(
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>,
): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5s' });
  // With tracing started, workflow starts carry the caller's trace (README "Production: tracing").
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: tracingClientInterceptors() });
}

/** Registers the project's custom search attributes that the namespace lacks (idempotent). */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = allSearchAttributes.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
      ),
    });
  } catch (error) {
    // Another process registered them between our list and add: fine if they exist now.
    const again = await client.connection.operatorService.listSearchAttributes({ namespace });
    if (missing.some((key) => !(key.name in (again.customAttributes ?? {})))) throw error;
  }
  return missing.map((key) => key.name);
}
