import { createReadStream } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { DeadLetter, DeadLetterSink, SourceRecord } from './processor';

/** A JSONL file as a source: batches of non-empty lines, each with `<file>:<line>` as position. */
export async function* fileSource(file: string, batchSize = 500): AsyncIterable<SourceRecord[]> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let batch: SourceRecord[] = [];
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    batch.push({ value: line, position: `${file}:${n}` });
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Dead letters appended to a local JSONL file, one `{position, reason, value}` per line. */
export class FileDeadLetterSink implements DeadLetterSink {
  constructor(readonly file: string) {}
  async write(letters: readonly DeadLetter[]): Promise<void> {
    await appendFile(this.file, letters.map((l) => JSON.stringify(l) + '\n').join(''));
  }
}
