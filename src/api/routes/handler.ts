// Route handlers that act for the authenticated caller: the service's typed errors become
// problem+json through the route's own `translate`, anything else reaches the error handler.
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../../auth/principal';
import { principalOf } from '../auth';

export type PrincipalHandler = (req: Request, res: Response, principal: Principal) => Promise<void>;

export const handlerWith =
  (translate: (error: unknown) => never) => (work: PrincipalHandler) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      await work(req, res, principalOf(req)).catch(translate);
    } catch (error) {
      next(error);
    }
  };
