import { describe, expect, it } from '@jest/globals';
import { SessionStore, type SessionRecord } from '@authfarm/session-store';
import { IntrospectionService } from './introspection.service.js';

/** A store that answers from a map and records the `seenAt` each lookup was given. */
class RecordingStore extends SessionStore {
  readonly kind = 'redis' as const;
  readonly seenAts: Array<number | undefined> = [];

  constructor(private readonly sessions: Map<string, SessionRecord>) {
    super();
  }

  async touch(id: string, _now: number, seenAt?: number): Promise<SessionRecord | undefined> {
    this.seenAts.push(seenAt);
    return this.sessions.get(id);
  }

  create = () => Promise.reject(new Error('unused'));
  delete = () => Promise.reject(new Error('unused'));
  listForUser = () => Promise.reject(new Error('unused'));
  deleteAllForUser = () => Promise.reject(new Error('unused'));
  ping = () => Promise.resolve(true);
  close = () => Promise.resolve();
}

const record = (lastSeenAt: number): SessionRecord => ({
  userId: 'u1',
  username: 'ada',
  createdAt: 1_000,
  lastSeenAt,
  absoluteExpiresAt: 10_000_000,
  userAgent: 'test',
});

function service(sessions: Map<string, SessionRecord>) {
  const store = new RecordingStore(sessions);
  return { store, introspection: new IntrospectionService(store, {} as never, {} as never) };
}

describe('IntrospectionService.sessionById', () => {
  it('hands the store the lastSeenAt it answered last time, so it can use its plain read', async () => {
    const sessions = new Map([['id-1', record(5_000)]]);
    const { store, introspection } = service(sessions);

    await expect(introspection.sessionById('id-1')).resolves.toMatchObject({ active: true });
    sessions.set('id-1', record(7_000));
    await introspection.sessionById('id-1');
    await introspection.sessionById('id-1');

    expect(store.seenAts).toEqual([undefined, 5_000, 7_000]);
  });

  it('remembers nothing of a session the store refused', async () => {
    const { store, introspection } = service(new Map());

    await expect(introspection.sessionById('gone')).resolves.toEqual({ active: false });
    await expect(introspection.sessionById('gone')).resolves.toEqual({ active: false });

    expect(store.seenAts).toEqual([undefined, undefined]);
  });
});
