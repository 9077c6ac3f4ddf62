/**
 * Progress of a long wait (an endpoint update). On a terminal: a spinner line redrawn in place,
 * and a permanent line at every state change. Elsewhere (CI logs, pipes, --json): one plain line
 * per poll, so a log shows the wait is alive. Every line carries the elapsed time.
 */
import type { Stream } from './output';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressOptions {
  /** Where progress goes (stderr). Its isTTY decides spinner vs plain lines. */
  readonly stream: Stream;
  /** Force plain lines even on a terminal (--json). */
  readonly plain?: boolean;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

export class Progress {
  private readonly stream: Stream;
  private readonly interactive: boolean;
  private readonly now: () => number;
  private readonly started: number;
  private lastState: string | undefined;
  /** The last poll's text without the elapsed time, for redraws between polls. */
  private lastText: string | undefined;
  private frame = 0;
  private spinnerShown = false;

  constructor(options: ProgressOptions) {
    this.stream = options.stream;
    this.interactive = Boolean(options.stream.isTTY) && !options.plain;
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** Elapsed time as `1m05s`. */
  elapsed(): string {
    return formatElapsed(this.now() - this.started);
  }

  /** Report one poll's observed state. */
  poll(label: string, state: string, detail?: string): void {
    this.lastText = `${label}: ${state}${detail ? ` (${detail})` : ''}`;
    const text = `${this.lastText} [${this.elapsed()}]`;
    if (!this.interactive) {
      this.stream.write(`${text}\n`);
    } else if (state !== this.lastState) {
      this.clearSpinner();
      this.stream.write(`${text}\n`);
    } else {
      this.redraw();
    }
    this.lastState = state;
  }

  /**
   * Between polls on a terminal: keep the spinner turning and the elapsed time counting every
   * `everyMs` until the returned stop function is called. A no-op elsewhere.
   */
  animate(everyMs = 250): () => void {
    if (!this.interactive || this.lastText === undefined) return () => {};
    const timer = setInterval(() => this.redraw(), everyMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  /** End the display (clears a spinner line). */
  done(): void {
    this.clearSpinner();
  }

  private redraw(): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    this.stream.write(`\r\x1b[2K${FRAMES[this.frame]} ${this.lastText} [${this.elapsed()}]`);
    this.spinnerShown = true;
  }

  private clearSpinner(): void {
    if (this.spinnerShown) {
      this.stream.write('\r\x1b[2K');
      this.spinnerShown = false;
    }
  }
}

export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
