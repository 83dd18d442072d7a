import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public } from '@authfarm/platform';
import { CredentialGuard } from './credential.guard.js';

// One handler, inherited by a public controller and by a protected one: the guard keeps what it
// read of a route's decorators, and must keep it per controller, not per handler alone.
class BaseController {
  list(): string[] {
    return [];
  }
}
@Public()
class OpenController extends BaseController {}
class ClosedController extends BaseController {}

function contextOf(controller: new () => BaseController): ExecutionContext {
  const request = { headers: {} };
  return {
    getType: () => 'http',
    getHandler: () => BaseController.prototype.list,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

const guard = () =>
  new CredentialGuard(
    new Reflector(),
    {} as never,
    {} as never,
    {
      allowedOrigins: new Set<string>(),
    } as never,
  );

describe('CredentialGuard route metadata', () => {
  it.each([
    ['the public controller first', [OpenController, ClosedController]],
    ['the protected controller first', [ClosedController, OpenController]],
  ])('reads @Public() per controller for a shared handler (%s)', async (_order, controllers) => {
    const subject = guard();
    // Twice over: the second pass answers from what the guard kept.
    for (const controller of [...controllers, ...controllers]) {
      const outcome = subject.canActivate(contextOf(controller));
      // No credential and no strategy registered here: a protected route cannot pass.
      if (controller === OpenController) await expect(outcome).resolves.toBe(true);
      else await expect(outcome).rejects.toBeDefined();
    }
  });
});
