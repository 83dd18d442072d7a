import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KEYS_CHANGED, type KeysChangedEvent } from './keys-changed.event.js';
import { RevocationState } from './revocation-state.js';
import { SESSION_ENDED, type SessionEndedEvent } from './session-ended.event.js';

/** Receives pushed revocations (sessions and signing keys) on the Redis transport. */
@Controller()
export class RevocationEventsController {
  constructor(private readonly state: RevocationState) {}

  @EventPattern(SESSION_ENDED)
  sessionEnded(@Payload() event: SessionEndedEvent): void {
    this.state.receive(event);
  }

  @EventPattern(KEYS_CHANGED)
  keysChanged(@Payload() event: KeysChangedEvent): void {
    this.state.receiveKeys(event);
  }
}
