import { coerceError, isError } from '@mc/domain';

export interface MicroBatcherOptions {
  /** Items handed to one `flush` at most; default 500. */
  maxSize?: number;
}

/**
 * Group commit: items submitted during one turn of the event loop are handed to `flush`
 * together (or as soon as `maxSize` are waiting), and each submitter gets its own result back.
 * `flush` returns one result per item, in order — an `Error` in place of a result rejects that
 * item alone; if `flush` throws, every item of the group rejects.
 */
export class MicroBatcher<TItem, TResult> {
  private waiting: Array<{ item: TItem; resolve: (result: TResult) => void; reject: (error: Error) => void }> = [];
  private readonly flushGroup: (items: TItem[]) => Promise<Array<TResult | Error>>;
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxSize: number;

  constructor(flushGroup: (items: TItem[]) => Promise<Array<TResult | Error>>, options: MicroBatcherOptions = {}) {
    this.flushGroup = flushGroup;
    this.maxSize = options.maxSize ?? 500;
  }

  submit(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.maxSize) {
        this.flush();
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Flushes what waits and resolves once every group handed out so far is done. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.waiting.length === 0) return;
    const group = this.waiting;
    this.waiting = [];
    const done = this.flushGroup(group.map((entry) => entry.item)).then(
      (results) =>
        group.forEach((entry, index) => {
          const result = results[index];
          if (isError(result)) entry.reject(result);
          else entry.resolve(result as TResult);
        }),
      (thrown: unknown) => group.forEach((entry) => entry.reject(coerceError(thrown))),
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }
}
