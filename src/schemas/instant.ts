// An instant given by a client: RFC 3339 with any offset the schema allows (±23:59), normalised
// to UTC. PostgreSQL refuses offsets beyond ±15:59 and years outside 1–9999, so the value that
// travels on (database, workflow timers) is always the UTC form, and out-of-range years are a 400.
import { z } from 'zod';

export const isoInstant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .refine(
    (date) => !Number.isNaN(date.getTime()) && date.getUTCFullYear() >= 1 && date.getUTCFullYear() <= 9999,
    'must fall within the years 0001–9999 (UTC)',
  )
  .transform((date) => date.toISOString());
