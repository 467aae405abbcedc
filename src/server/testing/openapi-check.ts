import { OpenApiChecker } from '../../testing/openapi-check';
import { openApiDocument } from '../openapi';

export { OpenApiChecker };

let checker: OpenApiChecker | null = null;

/**
 * The checker the server tests' request helpers (`Harness.call`, and `call`, `signInTo`, `openSse`
 * against a real server) run every answer through: the document the server serves.
 */
export function openApiChecker(): OpenApiChecker {
  checker ??= new OpenApiChecker(openApiDocument('http://paddock.test'));
  return checker;
}
