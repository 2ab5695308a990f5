// Answers with cited sources over HTTP: ask, read, give feedback. Thin: the rules live in
// src/answers/ (service, rules) and the work in the answer workflow.
import { Router } from 'express';
import { AnswerConflict, AnswerNotFound, FeedbackRefused, askQuestion, getAnswer, giveFeedback } from '../../answers/service';
import type { Infrastructure } from '../../runtime/infrastructure';
import { HttpError } from '../problem';
import { handlerWith } from './handler';
import { temporalUiLink } from '../temporal-http';
import { pathParams } from '../params';

const answerIdParam = pathParams.answerId;

function translate(error: unknown): never {
  if (error instanceof AnswerNotFound) throw new HttpError(404, 'Not Found', error.message);
  if (error instanceof AnswerConflict) throw new HttpError(409, 'Conflict', error.message);
  // Well-formed, but about a source this answer does not cite: a rule the schema cannot state.
  if (error instanceof FeedbackRefused) throw new HttpError(422, 'Feedback refused', error.message);
  throw error;
}

const handle = handlerWith(translate);

export function answerRoutes(infra: Infrastructure): Router {
  const router = Router();
  const { config } = infra;

  router.post(
    '/v1/answers',
    handle(async (req, res, principal) => {
      const started = await askQuestion(infra, principal, req.body);
      const links = { temporalUi: temporalUiLink(config, started.workflowId, started.runId) };
      res.location(`/v1/answers/${started.answerId}`);
      if (started.finished) {
        res.status(200).json({ ...(await getAnswer(infra, principal, started.answerId)), ...links });
        return;
      }
      res
        .status(202)
        .json({ answerId: started.answerId, workflowId: started.workflowId, runId: started.runId, status: 'running', ...links });
    }),
  );

  router.get(
    '/v1/answers/:answerId',
    handle(async (req, res, principal) => {
      const answer = await getAnswer(infra, principal, answerIdParam.parse(req.params.answerId));
      res.json({ ...answer, temporalUi: temporalUiLink(config, answer.workflowId) });
    }),
  );

  router.post(
    '/v1/answers/:answerId/feedback',
    handle(async (req, res, principal) => {
      res.status(201).json(await giveFeedback(infra, principal, answerIdParam.parse(req.params.answerId), req.body));
    }),
  );

  return router;
}
