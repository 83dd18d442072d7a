import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Principal } from '@authfarm/credentials';
import { RevocationState, type SessionEndedEvent } from '@authfarm/revocation';

interface Connection {
  principal: Principal;
  response: ServerResponse;
}

const HEARTBEAT_MS = 5000;

/**
 * Live Server-Sent Events connections of this replica, by user. When a session ends anywhere in
 * the farm, its connections here are told and closed: the server reaches its clients in every
 * mode, because the farm keeps a session registry even when verification is stateless.
 */
@Injectable()
export class LiveConnections implements OnModuleDestroy {
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(revocations: RevocationState) {
    this.unsubscribe = revocations.onSessionEnded((event) => this.sessionEnded(event));
    // Comments keep idle proxies (and the gateway's upstream timeout) from closing the stream.
    this.heartbeat = setInterval(() => this.broadcastComment(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  open(principal: Principal, response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    const connection: Connection = { principal, response };
    const set = this.byUser.get(principal.sub) ?? new Set<Connection>();
    set.add(connection);
    this.byUser.set(principal.sub, set);
    response.on('close', () => this.remove(connection));
    send(response, 'hello', { sid: principal.sid, mode: principal.mode });
  }

  /** How many streams are open on this replica. */
  get size(): number {
    let total = 0;
    for (const set of this.byUser.values()) total += set.size;
    return total;
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const set of this.byUser.values()) for (const c of set) c.response.end();
  }

  private sessionEnded(event: SessionEndedEvent): void {
    for (const connection of this.byUser.get(event.userId) ?? []) {
      const { sid, iat } = connection.principal;
      const covered =
        event.sids.includes(sid) ||
        (event.notBefore !== undefined && (iat === undefined || iat * 1000 < event.notBefore));
      if (!covered) continue;
      send(connection.response, 'logout', { reason: event.reason, sid });
      connection.response.end();
    }
  }

  private remove(connection: Connection): void {
    const set = this.byUser.get(connection.principal.sub);
    set?.delete(connection);
    if (set?.size === 0) this.byUser.delete(connection.principal.sub);
  }

  private broadcastComment(): void {
    for (const set of this.byUser.values())
      for (const c of set) c.response.write(': keep-alive\n\n');
  }
}

function send(response: ServerResponse, event: string, data: unknown): void {
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
