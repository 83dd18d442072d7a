import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits; the only thing the client holds. OWASP asks for at least 64 bits of entropy. */
export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The id a session is stored and listed under: SHA-256 of the cookie secret. A leaked store dump
 * or session list therefore cannot be replayed as a cookie. Returns undefined for a value that
 * cannot be one of our secrets, so a malformed cookie never costs a store round trip.
 */
export function sessionIdOf(secret: string): string | undefined {
  if (!SECRET_SHAPE.test(secret)) return undefined;
  return createHash('sha256').update(secret).digest('base64url');
}

/** What a process remembers of a live session whose cookie it has seen. */
export interface KnownSession {
  readonly id: string;
  /** The session's `lastSeenAt` as the store answered it last time (epoch milliseconds). */
  seenAt: number;
}

/**
 * `sessionIdOf`, remembered for the cookies of live sessions, with the `lastSeenAt` the store
 * last answered. A browser sends the same cookie on every request, and one SHA-256 costs a replica
 * 10–17 µs when it runs once per request, as much as a third of the whole session check
 * (docs/benchmark.md, the primitive floor in a server); `seenAt` tells the store when no idle
 * refresh can be due, so it can answer with a plain read (`SessionStore.touch`).
 *
 * Only secrets whose session the store has just confirmed are remembered, so a flood of made-up
 * cookies cannot push real ones out. Bounded; the oldest entry goes first. An ended session needs
 * nothing here: the store lookup that follows every hit refuses it. Like the verified-token cache
 * of JWTs, it keeps credentials in the replica's memory, which sees each of them on every request
 * anyway; the store itself still holds hashes only.
 */
export class SessionIdMemo {
  private readonly known = new Map<string, KnownSession>();

  constructor(private readonly size: number) {}

  /** What is remembered of a secret, if anything. */
  get(secret: string): KnownSession | undefined {
    return this.known.get(secret);
  }

  /** Keeps `secret → id, seenAt` after the store confirmed a live session under `id`. */
  remember(secret: string, id: string, seenAt: number): void {
    if (this.size <= 0) return;
    const known = this.known.get(secret);
    if (known) {
      known.seenAt = seenAt;
      return;
    }
    if (this.known.size >= this.size) this.known.delete(this.known.keys().next().value as string);
    this.known.set(secret, { id, seenAt });
  }

  /** How many cookies are remembered now. */
  get remembered(): number {
    return this.known.size;
  }
}
