import { formatElapsed, Progress } from '../../mlp/progress';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (s: string) => chunks.push(s) };
}

describe('Progress', () => {
  test('not a terminal: one plain line per poll with the elapsed time', () => {
    // GIVEN
    const s = stream(false);
    let now = 0;
    const p = new Progress({ stream: s, now: () => now });
    // WHEN
    p.poll('scoring', 'Updating', 'scoring-v1');
    now = 15_000;
    p.poll('scoring', 'Updating', 'scoring-v1');
    now = 75_000;
    p.poll('scoring', 'InService', 'scoring-v2');
    p.done();
    // THEN
    expect(s.chunks.join('')).toBe(
      'scoring: Updating (scoring-v1) [0s]\nscoring: Updating (scoring-v1) [15s]\nscoring: InService (scoring-v2) [1m15s]\n',
    );
  });

  test('terminal: a line per state change, a spinner redrawn in place between them, cleared at the end', () => {
    const s = stream(true);
    let now = 0;
    const p = new Progress({ stream: s, now: () => now });
    p.poll('e', 'Updating');
    now = 1000;
    p.poll('e', 'Updating');
    now = 2000;
    p.poll('e', 'InService');
    p.done();
    expect(s.chunks).toEqual(['e: Updating [0s]\n', '\r\x1b[2K⠙ e: Updating [1s]', '\r\x1b[2K', 'e: InService [2s]\n']);
  });

  test('animate: on a terminal the spinner and elapsed time move between polls; elsewhere nothing is scheduled', () => {
    jest.useFakeTimers();
    try {
      const tty = stream(true);
      let now = 0;
      const p = new Progress({ stream: tty, now: () => now });
      p.poll('e', 'Updating');
      const stop = p.animate(250);
      now = 1000;
      jest.advanceTimersByTime(250);
      stop();
      jest.advanceTimersByTime(1000);
      expect(tty.chunks).toEqual(['e: Updating [0s]\n', '\r\x1b[2K⠙ e: Updating [1s]']);

      const pipe = stream(false);
      const q = new Progress({ stream: pipe, now: () => 0 });
      q.poll('e', 'Updating');
      q.animate(250);
      jest.advanceTimersByTime(1000);
      expect(pipe.chunks).toEqual(['e: Updating [0s]\n']);
    } finally {
      jest.useRealTimers();
    }
  });

  test('plain mode (--json) on a terminal writes lines, no escape codes', () => {
    const s = stream(true);
    const p = new Progress({ stream: s, plain: true, now: () => 0 });
    p.poll('e', 'Updating');
    p.poll('e', 'Updating');
    expect(s.chunks.join('')).not.toContain('\x1b');
    expect(s.chunks).toHaveLength(2);
  });

  test('formatElapsed', () => {
    expect([formatElapsed(0), formatElapsed(59_400), formatElapsed(60_000), formatElapsed(3_725_000)]).toEqual([
      '0s',
      '59s',
      '1m00s',
      '62m05s',
    ]);
  });
});
