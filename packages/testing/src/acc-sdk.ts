import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How the SDK connects (its four ConnectionParameters). */
export type AccSdkMode =
  | { kind: 'userAndPassword'; login: string; password: string }
  | { kind: 'sessionToken'; token: string }
  | { kind: 'bearerToken'; token: string }
  | { kind: 'imsBearerToken'; token: string };

export type AccSdkStep =
  | { call: 'logon' | 'logoff' }
  /** Calls the router with the client's session until it answers XSV-350008 (the test expires the session meanwhile). */
  | { call: 'untilSessionExpired' }
  | { call: 'pushEvent' | 'pushEvents'; service: 'rt' | 'batch'; json?: unknown; xml?: string };

export interface AccSdkScript {
  url: string;
  mode: AccSdkMode;
  /** `xml`: events are given as XML (steps' `xml`), as producers that build XML do; default JSON (steps' `json`). */
  representation?: 'xml' | 'SimpleJson';
  /** Give the SDK a `refreshClient` that logs on again, as producers do to survive session expiry. */
  reconnect?: boolean;
  steps: AccSdkStep[];
}

export type AccSdkStepResult =
  | { ok: true; value: unknown }
  | { ok: false; error: { faultCode?: string; faultString?: string; detail?: string; errorCode?: string; statusCode?: number; message: string } };

/** Runs the steps with Adobe's SDK in a child process (see acc-sdk-runner.ts): what each returned or threw. */
export async function runAccSdk(script: AccSdkScript): Promise<AccSdkStepResult[]> {
  const runner = path.join(__dirname, 'acc-sdk-runner.ts');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', runner, JSON.stringify(script)], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as AccSdkStepResult[];
}
