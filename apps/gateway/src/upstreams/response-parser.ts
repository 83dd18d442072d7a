/** What a parser reports about the response it reads. */
export interface ResponseEvents {
  /**
   * The final response head: status, the header fields as a flat `[name, value, …]` list with
   * lower-case names and the framing fields (Connection, Keep-Alive, Transfer-Encoding) left out.
   */
  head(status: number, headers: string[]): void;
  /** A piece of the body; `last` when it completes the response. */
  body(chunk: Buffer, last: boolean): void;
  /** The response is complete (also after a `body(…, true)`). */
  end(): void;
}

export class ResponseProtocolError extends Error {
  readonly code = 'UPSTREAM_PROTOCOL';
}

const enum State {
  Idle,
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 1024;
const HEX = /^[0-9A-Fa-f]{1,12}$/;

/**
 * An HTTP/1.1 response reader for one upstream connection (RFC 9112 §4–7): the head, then the
 * body framed by Content-Length, chunked coding or the end of the connection. Interim 1xx
 * responses are skipped and trailers dropped. A response it cannot frame for certain (both
 * Content-Length and Transfer-Encoding, differing lengths, a folded line) is an error rather than
 * a guess: guessing is how response splitting and desync start.
 */
export class ResponseParser {
  /** Whether the connection may carry another request once this response has ended. */
  keepAlive = false;
  private state = State.Idle;
  private events: ResponseEvents | undefined;
  private bodyless = false;
  private remaining = 0;
  private pending: Buffer | undefined;
  private line = '';

  /** Starts reading the response to a request; `bodyless` for HEAD. */
  expect(events: ResponseEvents, bodyless: boolean): void {
    this.events = events;
    this.bodyless = bodyless;
    this.state = State.Head;
    this.pending = undefined;
    this.line = '';
  }

  /** Reads bytes from the connection. Throws ResponseProtocolError on a malformed response. */
  execute(data: Buffer): void {
    let offset = 0;
    const length = data.length;
    while (offset < length) {
      switch (this.state) {
        case State.Idle:
          // Bytes nobody asked for: the connection is out of step.
          throw new ResponseProtocolError('data after the response');
        case State.Head:
          offset = this.readHead(data, offset);
          break;
        case State.Length: {
          const take = Math.min(this.remaining, length - offset);
          this.remaining -= take;
          const last = this.remaining === 0;
          if (last) this.state = State.Idle;
          this.events!.body(
            offset === 0 && take === length ? data : data.subarray(offset, offset + take),
            last,
          );
          offset += take;
          if (last) this.finish();
          break;
        }
        case State.ChunkSize:
          offset = this.readChunkSize(data, offset);
          break;
        case State.ChunkData: {
          const take = Math.min(this.remaining, length - offset);
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          this.events!.body(data.subarray(offset, offset + take), false);
          offset += take;
          break;
        }
        case State.ChunkDataEnd:
        case State.Trailers:
          offset = this.readLine(data, offset);
          break;
        case State.UntilClose:
          this.events!.body(offset === 0 ? data : data.subarray(offset), false);
          offset = length;
          break;
      }
    }
  }

  /** The connection ended: completes a close-delimited body. */
  closed(): void {
    if (this.state !== State.UntilClose) return;
    this.state = State.Idle;
    this.finish();
  }

  private finish(): void {
    const events = this.events!;
    this.events = undefined;
    events.end();
  }

  private readHead(data: Buffer, offset: number): number {
    let buffer = data;
    let start = offset;
    if (this.pending) {
      buffer = Buffer.concat([this.pending, data.subarray(offset)]);
      start = 0;
    }
    const end = buffer.indexOf(CRLFCRLF, start);
    if (end < 0) {
      if (buffer.length - start > MAX_HEAD_BYTES) {
        throw new ResponseProtocolError('response head too large');
      }
      this.pending = buffer === data ? Buffer.from(data.subarray(start)) : buffer;
      return data.length;
    }
    this.pending = undefined;
    const consumed = end + 4 - start;
    this.parseHead(buffer.toString('latin1', start, end));
    // Offsets past the head, in `data`'s terms.
    return buffer === data ? end + 4 : data.length - (buffer.length - (start + consumed));
  }

  private parseHead(head: string): void {
    let eol = head.indexOf('\r\n');
    if (eol < 0) eol = head.length;
    const code = statusCode(head, eol);
    const headers: string[] = [];
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let close = head.charCodeAt(7) === 48; // HTTP/1.0
    for (let start = eol + 2; start < head.length; start = eol + 2) {
      eol = head.indexOf('\r\n', start);
      if (eol < 0) eol = head.length;
      const colon = head.indexOf(':', start);
      const first = head.charCodeAt(start);
      if (colon < 0 || colon > eol || first === 32 || first === 9) {
        throw new ResponseProtocolError('malformed header line');
      }
      const name = head.slice(start, colon).toLowerCase();
      const value = trimSpaces(head, colon + 1, eol);
      switch (name) {
        case 'content-length': {
          if (!/^\d{1,15}$/.test(value)) throw new ResponseProtocolError('bad content-length');
          const n = Number(value);
          if (contentLength >= 0 && contentLength !== n) {
            throw new ResponseProtocolError('conflicting content-length');
          }
          contentLength = n;
          headers.push(name, value);
          continue;
        }
        case 'transfer-encoding':
          transferEncoding = true;
          chunked = /(?:^|,)[ \t]*chunked[ \t]*$/i.test(value);
          continue;
        case 'connection':
          if (/(?:^|,)[ \t]*close[ \t]*(?:,|$)/i.test(value)) close = true;
          continue;
        case 'keep-alive':
          continue;
      }
      headers.push(name, value);
    }
    if (code < 200) {
      // Interim response (100 Continue, 103 Early Hints): the final one follows. 101 would
      // switch protocols, which the gateway never asks for.
      if (code === 101) throw new ResponseProtocolError('unrequested protocol switch');
      return;
    }
    if (transferEncoding && contentLength >= 0) {
      throw new ResponseProtocolError('both content-length and transfer-encoding');
    }
    this.keepAlive = !close;
    if (this.bodyless || code === 204 || code === 304) {
      this.state = State.Idle;
      this.events!.head(code, headers);
      this.finish();
    } else if (chunked) {
      this.state = State.ChunkSize;
      this.events!.head(code, headers);
    } else if (transferEncoding || contentLength < 0) {
      this.keepAlive = false;
      this.state = State.UntilClose;
      this.events!.head(code, headers);
    } else {
      this.remaining = contentLength;
      this.state = contentLength === 0 ? State.Idle : State.Length;
      this.events!.head(code, headers);
      if (contentLength === 0) this.finish();
    }
  }

  private readChunkSize(data: Buffer, offset: number): number {
    if (this.line === '') {
      // The common case, a bare hex size and CRLF within this read, without making strings.
      let size = 0;
      let at = offset;
      for (let digit = hexDigit(data[at]); digit >= 0 && at - offset < 12;) {
        size = size * 16 + digit;
        digit = hexDigit(data[++at]);
      }
      if (at > offset && data[at] === 13 && data[at + 1] === 10) {
        this.remaining = size;
        this.state = size === 0 ? State.Trailers : State.ChunkData;
        return at + 2;
      }
    }
    const line = this.takeLine(data, offset);
    if (line === undefined) return data.length;
    const semicolon = line.text.indexOf(';');
    const hex = trimSpaces(line.text, 0, semicolon < 0 ? line.text.length : semicolon);
    if (!HEX.test(hex)) throw new ResponseProtocolError('bad chunk size');
    this.remaining = parseInt(hex, 16);
    this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
    return line.next;
  }

  // The CRLF after chunk data, and trailer lines until the empty one.
  private readLine(data: Buffer, offset: number): number {
    if (this.line === '' && data[offset] === 13 && data[offset + 1] === 10) {
      this.endLine('');
      return offset + 2;
    }
    const line = this.takeLine(data, offset);
    if (line === undefined) return data.length;
    this.endLine(line.text);
    return line.next;
  }

  private endLine(text: string): void {
    if (this.state === State.ChunkDataEnd) {
      if (text !== '') throw new ResponseProtocolError('chunk data overruns its size');
      this.state = State.ChunkSize;
    } else if (text === '') {
      this.state = State.Idle;
      this.events!.body(EMPTY, true);
      this.finish();
    }
  }

  /** One CRLF-terminated line (without the CRLF), gathered across reads when it is split. */
  private takeLine(data: Buffer, offset: number): { text: string; next: number } | undefined {
    const lf = data.indexOf(10, offset);
    if (lf < 0) {
      this.line += data.toString('latin1', offset);
      if (this.line.length > MAX_LINE_BYTES) throw new ResponseProtocolError('line too long');
      return undefined;
    }
    let text = this.line + data.toString('latin1', offset, lf);
    this.line = '';
    if (text.charCodeAt(text.length - 1) !== 13) throw new ResponseProtocolError('bare LF');
    text = text.slice(0, -1);
    if (text.length > MAX_LINE_BYTES) throw new ResponseProtocolError('line too long');
    return { text, next: lf + 1 };
  }
}

const EMPTY = Buffer.alloc(0);

/** The status code of a status line `HTTP/1.x NNN[ reason]` ending at `eol`. */
function statusCode(head: string, eol: number): number {
  const minor = head.charCodeAt(7) - 48;
  const a = head.charCodeAt(9) - 48;
  const b = head.charCodeAt(10) - 48;
  const c = head.charCodeAt(11) - 48;
  if (
    !head.startsWith('HTTP/1.') ||
    (minor !== 0 && minor !== 1) ||
    head.charCodeAt(8) !== 32 ||
    !(a >= 1 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9) ||
    (eol !== 12 && head.charCodeAt(12) !== 32)
  ) {
    throw new ResponseProtocolError('malformed status line');
  }
  return a * 100 + b * 10 + c;
}

function hexDigit(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

function trimSpaces(text: string, start: number, end: number): string {
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(start, end);
}
