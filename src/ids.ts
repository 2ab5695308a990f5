// Business ids (tenants, contents, lists, checks, experiments, answers …): what the API accepts
// in paths and bodies and what workflow ids are built from. One pattern, one schema.
import { z } from 'zod';

/** Letters and digits first, then letters, digits, ".", "_" or "-"; at most 100 characters. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A zod string that must be an id; `message` names what was expected ("not a content id"). */
export const idSchema = (message = 'letters, digits, ".", "_" or "-"; at most 100') => z.string().regex(ID_PATTERN, message);
