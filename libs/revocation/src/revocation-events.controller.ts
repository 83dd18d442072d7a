import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RevocationState } from './revocation-state.js';
import { SESSION_ENDED, type SessionEndedEvent } from './session-ended.event.js';

/** Receives pushed revocations on the Redis transport and applies them locally. */
@Controller()
export class RevocationEventsController {
  constructor(private readonly state: RevocationState) {}

  @EventPattern(SESSION_ENDED)
  sessionEnded(@Payload() event: SessionEndedEvent): void {
    this.state.receive(event);
  }
}
