// What content use cases report to their callers (the API maps them to problem+json).
import { REFUSALS, type RefusalType } from './model';

/** The caller may not do this (validator refusal); `type` is one of REFUSALS. */
export class ContentActionRefused extends Error {
  constructor(
    readonly type: RefusalType,
    message: string,
  ) {
    super(message);
    this.name = 'ContentActionRefused';
  }
  get status(): number {
    return REFUSALS[this.type];
  }
}
export class ContentNotFound extends Error {
  readonly status = 404;
}
export class ContentConflict extends Error {
  readonly status = 409;
}
