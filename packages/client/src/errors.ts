import type { ErrorCode, ProblemDetails } from './types.ts';

/** An error answer of the API (4xx/5xx), with its problem details. */
export class MessageCenterApiError extends Error {
  override readonly name = 'MessageCenterApiError';
  readonly status: number;
  readonly code: ErrorCode;
  /** Every bad field, on `validation_failed`: `[{path: 'events.3.email', message}]`. */
  readonly fieldErrors: Array<{ path: string; message: string }>;
  readonly problem: ProblemDetails;

  constructor(problem: ProblemDetails) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
    this.fieldErrors = problem.errors ?? [];
  }
}

/** The API could not be reached (refused, reset, timed out), after every retry. */
export class MessageCenterNetworkError extends Error {
  override readonly name = 'MessageCenterNetworkError';
}

/** `waitForStatus` ran out of time; `lastStatus` is where the event stood. */
export class MessageCenterTimeoutError extends Error {
  override readonly name = 'MessageCenterTimeoutError';
  constructor(
    message: string,
    readonly lastStatus: string | undefined,
  ) {
    super(message);
  }
}
