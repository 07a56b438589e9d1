import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * A strict, byte-level reader of `text/event-stream`, written from the WHATWG algorithm. Unlike
 * a client parser it keeps everything a conformance check needs: each line with its
 * terminator and arrival time, each block, invalid UTF-8, stray BOMs, raw `retry:` values and
 * the partial block left when the stream stops. In parallel it feeds the same bytes, decoded
 * as a browser would, to eventsource-parser so the two readings can be compared.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

export type LineEnd = 'lf' | 'cr' | 'crlf';

export interface SseLine {
  /** The decoded line (invalid UTF-8 replaced with U+FFFD, as a browser does). */
  text: string;
  kind: 'blank' | 'comment' | 'field';
  /** Field name (for `field` lines). */
  name: string;
  /** Field value after removing one leading space. */
  value: string;
  /** True when the line had a colon (`name:value`), false for a bare `name`. */
  colon: boolean;
  end: LineEnd;
  /** Byte offset of the line in the body. */
  offset: number;
  /** Arrival time of the line's terminator (ms since the request). */
  at: number;
  /** Whether the line's bytes were valid UTF-8. */
  validUtf8: boolean;
}

export interface SseBlock {
  lines: SseLine[];
  /** Arrival time of the block's first byte and of its closing blank line. */
  firstByteAt: number;
  endAt: number;
  event: SseEvent | undefined;
}

export interface SseEvent {
  /** 0-based position among dispatched events. */
  index: number;
  type: string;
  data: string;
  /** The source's last event ID after this event (what a browser would send on reconnect). */
  lastEventId: string;
  /**
   * The block's own `id:` value when it had one: the last one a browser accepts, else (when
   * every id in the block contains NULL) the first NULL-containing one.
   */
  idField: string | undefined;
  at: number;
}

export interface RetryLine {
  raw: string;
  applied: boolean;
}

/** A decoded view of eventsource-parser's output, for the cross-check. */
export interface ReferenceEvent {
  type: string;
  data: string;
  id: string | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const MAX_RECORDED_LINES = 20_000;

export class SseReader {
  /** Whether the body started with a UTF-8 BOM (legal, stripped once). */
  bom = false;
  readonly lineEnds: Record<LineEnd, number> = { lf: 0, cr: 0, crlf: 0 };
  readonly lines: SseLine[] = [];
  readonly blocks: SseBlock[] = [];
  readonly events: SseEvent[] = [];
  readonly retries: RetryLine[] = [];
  readonly comments: SseLine[] = [];
  /** Byte offsets of lines that are not valid UTF-8. */
  readonly invalidUtf8: { offset: number; bytes: Buffer }[] = [];
  /** Lines containing a U+FEFF that is not the stream's leading BOM. */
  readonly strayBoms: SseLine[] = [];
  /** eventsource-parser's events, fed the same bytes decoded as a browser decodes them. */
  readonly reference: ReferenceEvent[] = [];
  readonly referenceRetries: number[] = [];
  bytes = 0;
  /**
   * The source's last event ID string: what a browser would send as Last-Event-ID now. It
   * changes when a block is dispatched (at its blank line), not when an `id:` line is read, so
   * an `id:` in a block the stream never closed changes nothing.
   */
  lastEventId = '';
  /** The last event ID buffer: set by `id:` lines, copied to lastEventId at each dispatch. */
  #lastEventIdBuffer = '';

  #head: Buffer | undefined = Buffer.alloc(0); // the first bytes, until the BOM question is settled
  #line: Buffer[] = [];
  #lineLength = 0;
  #lineOffset = 0;
  #afterCr = false;
  #block: SseLine[] = [];
  #blockFirstByteAt = -1;
  #data = '';
  #hasData = false;
  #type = '';
  #idField: string | undefined;
  // Lines are decoded one by one: without ignoreBOM each decode would drop a U+FEFF at the
  // start of *every* line, hiding a stray BOM a browser keeps (only the stream's first is skipped).
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  readonly #strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  readonly #browserDecoder = new TextDecoder('utf-8');
  readonly #parser = createParser({
    onEvent: (e: EventSourceMessage) =>
      this.reference.push({ type: e.event || 'message', data: e.data, id: e.id }),
    onRetry: (ms) => this.referenceRetries.push(ms),
  });

  /** Feeds body bytes that arrived at `at` ms. */
  push(bytes: Buffer, at: number): void {
    this.#parser.feed(this.#browserDecoder.decode(bytes, { stream: true }));
    if (this.#head !== undefined) {
      this.#head = Buffer.concat([this.#head, bytes]);
      if (
        this.#head.length < 3 &&
        Buffer.from([0xef, 0xbb, 0xbf]).subarray(0, this.#head.length).equals(this.#head)
      )
        return;
      bytes = this.#head;
      this.#head = undefined;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        this.bom = true;
        this.bytes += 3;
        bytes = bytes.subarray(3);
      }
    }
    this.#scan(bytes, at);
  }

  /** The stream ended: flush the decoders. A partial block stays in `tail`. */
  end(at: number): void {
    this.#parser.feed(this.#browserDecoder.decode());
    // eventsource-parser holds a final bare CR until it knows no LF follows; the stream is
    // over, so settle it the way the spec does (a CR not followed by LF ends the line).
    if (this.#afterCr) this.#parser.feed('\n');
    if (this.#head !== undefined && this.#head.length > 0) {
      const head = this.#head;
      this.#head = undefined;
      this.#scan(head, at);
    }
  }

  /** Lines received after the last blank line (an unterminated block), plus any partial line. */
  get tail(): { lines: SseLine[]; partial: string } {
    return {
      lines: [...this.#block],
      partial: this.#decoder.decode(Buffer.concat(this.#line)),
    };
  }

  /** Arrival time of the pending block's first byte, or -1 when nothing is pending. */
  get tailFirstByteAt(): number {
    return this.#block.length > 0 || this.#lineLength > 0 ? this.#blockFirstByteAt : -1;
  }

  #scan(bytes: Buffer, at: number): void {
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte !== LF && byte !== CR) {
        this.#afterCr = false;
        continue;
      }
      if (byte === LF && this.#afterCr && i === start && this.#lineLength === 0) {
        // the LF of a CRLF whose CR ended the previous line
        this.#afterCr = false;
        this.#relabelLastLineCrlf();
        this.bytes += 1;
        start = i + 1;
        continue;
      }
      this.#append(bytes.subarray(start, i), at);
      this.#endLine(byte === CR ? 'cr' : 'lf', at);
      this.bytes += 1;
      this.#afterCr = byte === CR;
      start = i + 1;
    }
    this.#append(bytes.subarray(start), at);
  }

  #append(bytes: Buffer, at: number): void {
    if (bytes.length === 0) return;
    if (this.#lineLength === 0 && this.#block.length === 0) this.#blockFirstByteAt = at;
    this.#line.push(bytes);
    this.#lineLength += bytes.length;
    this.bytes += bytes.length;
  }

  #relabelLastLineCrlf(): void {
    const last = this.lines.at(-1);
    this.lineEnds.cr -= 1;
    this.lineEnds.crlf += 1;
    if (last) last.end = 'crlf';
  }

  #endLine(end: LineEnd, at: number): void {
    const raw = Buffer.concat(this.#line, this.#lineLength);
    const offset = this.#lineOffset;
    this.#lineOffset += raw.length + 1;
    this.#line = [];
    this.#lineLength = 0;
    if (this.#block.length === 0 && raw.length === 0) this.#blockFirstByteAt = at;
    this.lineEnds[end] += 1;
    let validUtf8 = true;
    try {
      this.#strict.decode(raw);
    } catch {
      validUtf8 = false;
      this.invalidUtf8.push({ offset, bytes: raw });
    }
    const text = this.#decoder.decode(raw);
    const line = parseLine(text, end, offset, at, validUtf8);
    if (this.lines.length < MAX_RECORDED_LINES) this.lines.push(line);
    if (text.includes('\ufeff')) this.strayBoms.push(line);
    this.#process(line, at);
  }

  #process(line: SseLine, at: number): void {
    if (line.kind === 'blank') {
      this.#dispatch(line, at);
      return;
    }
    this.#block.push(line);
    if (line.kind === 'comment') {
      this.comments.push(line);
      return;
    }
    switch (line.name) {
      case 'event':
        this.#type = line.value;
        break;
      case 'data':
        this.#data += `${line.value}\n`;
        this.#hasData = true;
        break;
      case 'id':
        if (!line.value.includes('\0')) {
          this.#lastEventIdBuffer = line.value;
          this.#idField = line.value;
        } else this.#idField ??= line.value;
        break;
      case 'retry':
        this.retries.push({ raw: line.value, applied: /^[0-9]+$/.test(line.value) });
        break;
      default:
        break; // ignored by the spec; the framing checks report it
    }
  }

  #dispatch(blank: SseLine, at: number): void {
    // Dispatch step 1 runs for every blank line, with or without data.
    this.lastEventId = this.#lastEventIdBuffer;
    let event: SseEvent | undefined;
    if (this.#hasData) {
      event = {
        index: this.events.length,
        type: this.#type === '' ? 'message' : this.#type,
        data: this.#data.slice(0, -1),
        lastEventId: this.lastEventId,
        idField: this.#idField,
        at,
      };
      this.events.push(event);
    }
    if (this.#block.length > 0) {
      this.blocks.push({
        lines: [...this.#block, blank],
        firstByteAt: this.#blockFirstByteAt,
        endAt: at,
        event,
      });
    }
    this.#block = [];
    this.#data = '';
    this.#hasData = false;
    this.#type = '';
    this.#idField = undefined;
  }
}

function parseLine(text: string, end: LineEnd, offset: number, at: number, validUtf8: boolean): SseLine {
  const base = { text, end, offset, at, validUtf8 };
  if (text === '') return { ...base, kind: 'blank', name: '', value: '', colon: false };
  if (text.startsWith(':')) return { ...base, kind: 'comment', name: '', value: text.slice(1), colon: true };
  const colon = text.indexOf(':');
  if (colon === -1) return { ...base, kind: 'field', name: text, value: '', colon: false };
  let value = text.slice(colon + 1);
  if (value.startsWith(' ')) value = value.slice(1);
  return { ...base, kind: 'field', name: text.slice(0, colon), value, colon: true };
}

/** Reads a whole body at once (for tests and for users checking recorded bytes). */
export function readStream(chunks: readonly (Buffer | string)[]): SseReader {
  const reader = new SseReader();
  for (const chunk of chunks) reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, 0);
  reader.end(0);
  return reader;
}
