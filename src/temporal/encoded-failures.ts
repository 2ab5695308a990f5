// With payload encryption on, failure messages and stack traces travel inside an encoded payload
// (`encodedAttributes`), so the codec encrypts them too. Loaded by path: by the worker (activity
// failures), inside the workflow bundle (workflow failures) and by the client.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
