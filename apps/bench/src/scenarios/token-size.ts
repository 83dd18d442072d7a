import { createSigner } from 'fast-jwt';
import { randomUUID } from 'node:crypto';
import { secretKid } from '@authfarm/keys';
import type { BenchContext } from '../bench-context.js';
import { closedLoop, median } from '../measure/load.js';

export interface TokenSizePoint {
  credential: string;
  extraClaims: number;
  headerBytes: number;
  rps: number;
}

/** Scenario 6: bytes on the wire per request, and what fatter tokens do to throughput. */
export async function tokenSize(ctx: BenchContext): Promise<TokenSizePoint[]> {
  const { profile, progress } = ctx;
  progress.start('6. token size');
  const farm = await ctx.farm('hs256', { JWT_VERIFIED_CACHE: '0' });
  const cookie = await ctx.login(farm, 'session');
  const sign = createSigner({
    key: ctx.secret,
    algorithm: 'HS256',
    kid: secretKid(ctx.secret),
    iss: 'authfarm',
    aud: 'authfarm-api',
    expiresIn: 600_000,
    header: { alg: 'HS256', typ: 'at+jwt' },
  });
  const credentials: Array<[string, number, Record<string, string>]> = [
    ['session cookie', 0, cookie],
  ];
  for (const extra of profile.claimCounts) {
    const claims: Record<string, string> = {};
    for (let i = 0; i < extra; i++) claims[`claim_${i}`] = `value-${randomUUID()}`;
    const token = sign({
      sub: randomUUID(),
      sid: 'bench',
      jti: randomUUID(),
      preferred_username: 'alice',
      mode: 'jwt',
      ...claims,
    });
    credentials.push([`jwt +${extra} claims`, extra, { authorization: `Bearer ${token}` }]);
  }
  const points: TokenSizePoint[] = [];
  for (const [index, [credential, extraClaims, headers]] of credentials.entries()) {
    const rps: number[] = [];
    for (let round = 0; round < profile.rounds; round++) {
      const result = await closedLoop({
        url: `${farm.gatewayUrl}/api/me`,
        headers,
        connections: profile.connections,
        durationS: profile.closedS,
      });
      if (result.non2xx > 0) throw new Error(`${credential}: ${result.non2xx} refused`);
      rps.push(result.rps);
    }
    const [name, value] = Object.entries(headers)[0];
    points.push({
      credential,
      extraClaims,
      headerBytes: `${name}: ${value}\r\n`.length,
      rps: median(rps),
    });
    progress.update((index + 1) / credentials.length, credential);
  }
  progress.done(points.map((p) => `${p.credential} ${p.headerBytes} B`).join(', '));
  return points;
}
