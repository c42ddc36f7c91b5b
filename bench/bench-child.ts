/**
 * The child side of the benchmarks' process protocol (the parent side is `startChild` in
 * `bench-support.ts`). A benchmark runs its servers in child processes so that the load generator
 * does not share their event loop; over IPC a child:
 *
 *   - says `{ ready: true, port }` once started (or `{ failed }` and exits);
 *   - answers `'cpu'` with its `process.cpuUsage()`;
 *   - answers `{ clock: n }` with `{ clock: n, at: monoMs() }` (the parent aligns clocks with it);
 *   - closes and exits on `'close'`, and exits when the parent goes away.
 *
 * Kept free of heavy imports: every child loads it.
 */

export type ChildMessage =
  | { ready: true; port: number }
  | { failed: string }
  | { cpu: NodeJS.CpuUsage }
  | { clock: number; at: number };

export interface RunningChild {
  /** The port it listens on; 0 when it does not listen. */
  port: number;
  close(): Promise<void>;
}

/**
 * Milliseconds (fractional) on the machine's monotonic clock. On Linux `process.hrtime` is
 * CLOCK_MONOTONIC, shared by every process, so readings from two processes compare directly;
 * the parent still measures the offset (`clockOffsetMs`) rather than assume it.
 */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function isClockPing(message: unknown): message is { clock: number } {
  return typeof message === 'object' && message !== null && typeof (message as { clock?: unknown }).clock === 'number';
}

/**
 * Starts a child's work and speaks the protocol above. `onMessage` receives the parent's other
 * messages (a child's own commands).
 */
export async function serveChild(start: () => Promise<RunningChild>, onMessage?: (message: unknown) => void): Promise<void> {
  const send = (message: ChildMessage) => process.send?.(message);
  let running: RunningChild;
  try {
    running = await start();
  } catch (thrown) {
    const failed = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
    if (process.send) process.send({ failed } satisfies ChildMessage, () => process.exit(1));
    else process.exit(1);
    return;
  }
  process.on('message', (message: unknown) => {
    if (message === 'cpu') {
      send({ cpu: process.cpuUsage() });
    } else if (isClockPing(message)) {
      send({ clock: message.clock, at: monoMs() });
    } else if (message === 'close') {
      running.close().then(
        () => process.exit(0),
        (thrown: unknown) => {
          console.error('bench child: close failed', thrown);
          process.exit(1);
        },
      );
    } else {
      onMessage?.(message);
    }
  });
  // The parent died without saying goodbye: do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ ready: true, port: running.port });
}
