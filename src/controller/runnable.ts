/** A controller the lab can start, stop and wait on. */
export interface Runnable {
  readonly name: string;
  start(): Promise<void>;
  stop(): void;
  /** Nothing queued or in progress. */
  isIdle(): boolean;
}
