// Entry of the VaR Lambda container image (handler `src/lambda/var-lambda.handler`): the
// runtime loads plain JavaScript, so tsx is registered before the TypeScript handler is imported.
import { register } from 'tsx/esm/api';

register();
export const { handler } = await import('./var-handler.ts');
