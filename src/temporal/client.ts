// One Temporal connection + client per process.
import { Client, Connection, NamespaceNotFoundError, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { Config } from '../config';
import { tracingClientInterceptors } from '../observability/tracing';
import { temporalDataConverter, type PayloadEncryptionConfig } from './data-converter';
import { allSearchAttributes } from './search-attributes';

export async function createTemporalClient(
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> & PayloadEncryptionConfig,
): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5s' });
  // With tracing started, workflow starts carry the caller's trace (README "Production: tracing").
  // With PAYLOAD_ENCRYPTION_KEYS, everything the client sends (workflow and schedule arguments,
  // signals, updates, queries) is encrypted and what it reads back decrypted.
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    interceptors: tracingClientInterceptors(),
    dataConverter: temporalDataConverter(config),
  });
}

/** gRPC status codes (google.rpc.Code). */
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

/**
 * Registers the namespace when it does not exist yet (tests and helpers get their own, so the
 * operators' `default` stays clean), and waits until the server serves it.
 */
export async function ensureNamespace(client: Client, namespace: string, retentionDays = 3): Promise<boolean> {
  const service = client.connection.workflowService;
  const exists = () =>
    service.describeNamespace({ namespace }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof NamespaceNotFoundError || (isGrpcServiceError(error) && Number(error.code) === GRPC_NOT_FOUND)) return false;
        throw error;
      },
    );
  if (await exists()) return false;
  try {
    await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionDays * 86_400_000) });
  } catch (error) {
    // Registered by another process in the meantime.
    if (!(isGrpcServiceError(error) && Number(error.code) === GRPC_ALREADY_EXISTS)) throw error;
  }
  // A new namespace reaches the frontend's cache after a moment.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.connection.operatorService.listSearchAttributes({ namespace });
      await service.describeNamespace({ namespace });
      return true;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
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
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!])),
    });
  } catch (error) {
    // Another process registered them between our list and add: fine if they exist now.
    const again = await client.connection.operatorService.listSearchAttributes({ namespace });
    if (missing.some((key) => !(key.name in (again.customAttributes ?? {})))) throw error;
  }
  return missing.map((key) => key.name);
}
