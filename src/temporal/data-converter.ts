// The one place that decides how this service's payloads are written to Temporal. Every client
// and worker takes its data converter from here, so with PAYLOAD_ENCRYPTION_KEYS set nothing is
// written in plain text (README "Payloads at rest").
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import { PayloadEncryptionCodec } from './payload-encryption';

export type PayloadEncryptionConfig = Pick<Config, 'PAYLOAD_ENCRYPTION_KEYS' | 'PAYLOAD_ENCRYPTION_KEY_ID'>;

/** Failure messages and stack traces as an encoded payload (see encoded-failures.ts). */
export const encodedFailuresPath = require.resolve('./encoded-failures');

/** The encryption codec, or undefined when no keys are configured (encryption off). */
export function payloadCodecFor(config: PayloadEncryptionConfig): PayloadEncryptionCodec | undefined {
  if (config.PAYLOAD_ENCRYPTION_KEYS.length === 0 || !config.PAYLOAD_ENCRYPTION_KEY_ID) return undefined;
  return new PayloadEncryptionCodec(config.PAYLOAD_ENCRYPTION_KEYS, config.PAYLOAD_ENCRYPTION_KEY_ID);
}

/** Data converter for Client and Worker.create: the default one, or the encrypting one. */
export function temporalDataConverter(config: PayloadEncryptionConfig): DataConverter {
  const codec = payloadCodecFor(config);
  return codec ? { payloadCodecs: [codec], failureConverterPath: encodedFailuresPath } : {};
}

/** What the workflow bundle must carry for this configuration (its failure converter). */
export function workflowBundleConverter(config: PayloadEncryptionConfig): { failureConverterPath?: string } {
  return payloadCodecFor(config) ? { failureConverterPath: encodedFailuresPath } : {};
}
