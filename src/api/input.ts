// Input guards that body-parser does not give: a depth limit for JSON (a deeply nested body is
// a clear 400 instead of a stack overflow somewhere in validation), and the one rule for text
// entering the system: PostgreSQL cannot store a NUL character (text, jsonb) nor a lone UTF-16
// surrogate (jsonb), so text carrying either is refused with a 400 naming the field — in JSON
// bodies, query strings and feed bodies alike — before anything reaches a store or a workflow.
import type { RequestHandler } from 'express';
import { HttpError } from './problem';

/** Depth of a parsed JSON value, computed without recursion. */
export function jsonDepth(value: unknown, stopAt: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > stopAt) return deepest;
    for (const child of Object.values(node as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export function rejectDeepBodies(maxDepth: number): RequestHandler {
  return (req, _res, next) => {
    if (req.body && typeof req.body === 'object' && jsonDepth(req.body, maxDepth) > maxDepth) {
      next(new HttpError(400, 'Invalid request', `the JSON body is nested deeper than ${maxDepth} levels`));
      return;
    }
    next();
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as text, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which text cannot carry';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

export interface TextProblem {
  path: string;
  message: string;
}

/** The first string (value or object key) in a parsed value that cannot be stored, with its path. */
export function findUnstorableText(value: unknown, root: string): TextProblem | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      const reason = unstorableText(node);
      if (reason) return { path, message: reason };
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      const childPath = path ? `${path}.${key}` : key;
      const keyReason = unstorableText(key);
      if (keyReason) return { path: childPath, message: `field name ${keyReason}` };
      stack.push([child, childPath]);
    }
  }
  return undefined;
}

export function textRefused(problem: TextProblem): HttpError {
  return new HttpError(400, 'Invalid text', `${problem.path || 'the body'} ${problem.message}`, { errors: [problem] });
}

/** A raw feed body (CSV / JSON lines): NUL characters are named by line. */
export function findUnstorableLine(body: string): TextProblem | undefined {
  const lines = body.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const reason = unstorableText(lines[index]!);
    if (reason) return { path: `body line ${index + 1}`, message: reason };
  }
  return undefined;
}

/** Applies the text rule to the JSON body, the raw text body and the query string of every request. */
export function rejectUnstorableText(): RequestHandler {
  return (req, _res, next) => {
    const problem =
      findUnstorableText(req.query, 'query') ??
      (typeof req.body === 'string'
        ? findUnstorableLine(req.body)
        : req.body && typeof req.body === 'object'
          ? findUnstorableText(req.body, '')
          : undefined);
    next(problem ? textRefused(problem) : undefined);
  };
}
