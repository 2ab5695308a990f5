// Input guards that body-parser does not give: a depth limit for JSON, so that a deeply nested
// body is a clear 400 instead of a stack overflow somewhere in validation.
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
