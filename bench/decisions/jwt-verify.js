// Decision 0002: CPU per access-token verification on a replica, per library and algorithm, with
// the bare signature primitive as the floor. Every library is configured with the checks the
// replicas need (alg pinned, iss, aud, leeway) and as much of the rest as it supports.
//
//   node bench/decisions/jwt-verify.js [--reps 3] [--target-ms 300]
//
// Writes bench/decisions/results/jwt-verify-<timestamp>.json and prints a Markdown table.
import {
  createHmac,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  timingSafeEqual,
  verify,
  webcrypto,
} from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createVerifier } from 'fast-jwt';
import { importSPKI, jwtVerify } from 'jose';
import passportJwt from 'passport-jwt';
import { stats, versions, writeResult } from './harness.js';

const ALGS = ['HS256', 'EdDSA', 'ES256', 'RS256'];
const ISSUER = 'authfarm';
const AUDIENCE = 'authfarm-api';
const LEEWAY_S = 5;
const REQUIRED = ['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp'];
const MIN_N = 2_000;
const MAX_N = 20_000;

// passport-jwt's default verifier: `jsonwebtoken.verify(token, secretOrKey, options, callback)`.
const passportDefault = passportJwt.Strategy.JwtVerifier;

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    'target-ms': { type: 'string', default: '300' },
  },
});
const config = { reps: Number(values.reps), targetMs: Number(values['target-ms']), MIN_N, MAX_N };

/**
 * Key material as the replicas get it (a secret string or a PEM public key), plus the parsed
 * forms: a KeyObject, and a CryptoKey imported once for jose, which would otherwise re-import a
 * secret on every call.
 */
async function material(alg) {
  if (alg === 'HS256') {
    const secret = randomBytes(32).toString('base64url');
    const key = createSecretKey(Buffer.from(secret));
    const hmac = { name: 'HMAC', hash: 'SHA-256' };
    const joseKey = await webcrypto.subtle.importKey('raw', key.export(), hmac, false, ['verify']);
    return { signKey: key, text: secret, keyObject: key, joseKey };
  }
  const { privateKey, publicKey } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const text = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { signKey: privateKey, text, keyObject: publicKey, joseKey: await importSPKI(text, alg) };
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A typical authfarm access token (docs/modes/jwt.md), signed with node:crypto directly. */
function accessToken(alg, signKey) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg, typ: 'at+jwt', kid: randomBytes(32).toString('base64url').slice(0, 43) };
  const claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: randomUUID(),
    sid: randomUUID(),
    jti: randomUUID(),
    iat: now,
    exp: now + 3600, // outlives the run; the replicas' TTL is 300 s
    preferred_username: 'alice',
  };
  const input = Buffer.from(`${b64(header)}.${b64(claims)}`);
  const signature =
    alg === 'HS256'
      ? createHmac('sha256', signKey).update(input).digest()
      : alg === 'EdDSA'
        ? sign(null, input, signKey)
        : sign('sha256', input, { key: signKey, dsaEncoding: 'ieee-p1363' });
  return { token: `${input}.${signature.toString('base64url')}`, input, signature, claims };
}

/** The candidates for one algorithm. Each returns the claims (or true, for the floor). */
function candidates(alg, keys, t) {
  const fastJwt = (cache) =>
    // Same options as libs/credentials/src/jwt-verifier.ts.
    createVerifier({
      key: keys.text,
      algorithms: [alg],
      allowedIss: ISSUER,
      allowedAud: AUDIENCE,
      checkTyp: 'at+jwt',
      clockTolerance: LEEWAY_S * 1000,
      requiredClaims: REQUIRED,
      cache,
      errorCacheTTL: 0,
    });
  const jwtOptions = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE, clockTolerance: 5 };
  const viaPassport = (key) => () => {
    let result;
    passportDefault(t.token, key, jwtOptions, (error, payload) => {
      result = error ?? payload;
    });
    if (result instanceof Error) throw result;
    return result;
  };
  const hash = alg === 'EdDSA' ? null : 'sha256';
  const publicKey = alg === 'ES256' ? { key: keys.keyObject, dsaEncoding: 'ieee-p1363' } : null;
  const floor =
    alg === 'HS256'
      ? () =>
          timingSafeEqual(
            createHmac('sha256', keys.keyObject).update(t.input).digest(),
            t.signature,
          )
      : () => verify(hash, t.input, publicKey ?? keys.keyObject, t.signature);
  const noCache = fastJwt(false);
  const cached = fastJwt(10_000);
  return [
    { name: 'floor', fn: floor },
    { name: 'fast-jwt', fn: () => noCache(t.token) },
    { name: 'fast-jwt cached', fn: () => cached(t.token) },
    {
      name: 'jose',
      async: true,
      fn: async () =>
        (
          await jwtVerify(t.token, keys.joseKey, {
            algorithms: [alg],
            issuer: ISSUER,
            audience: AUDIENCE,
            typ: 'at+jwt',
            clockTolerance: LEEWAY_S,
            requiredClaims: REQUIRED,
          })
        ).payload,
    },
    { name: 'jsonwebtoken string', fn: viaPassport(keys.text) },
    { name: 'jsonwebtoken KeyObject', fn: viaPassport(keys.keyObject) },
  ];
}

async function run(cell, n) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  if (cell.async) for (let i = 0; i < n; i++) await cell.fn();
  else for (let i = 0; i < n; i++) cell.fn();
  const wallNs = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  return { n, cpuUs: (used.user + used.system) / n, wallUs: wallNs / 1e3 / n };
}

/** Checks the cell accepts the token, warms it up and picks its iteration count. */
async function prepare(cell, t) {
  try {
    const out = await cell.fn();
    if (out !== true && out?.sub !== t.claims.sub) throw new Error('wrong claims returned');
  } catch (error) {
    cell.unsupported = `${error.name}: ${error.message}`;
    return;
  }
  await run(cell, 300);
  const probe = await run(cell, 300);
  const n = Math.round((config.targetMs * 1e3) / probe.wallUs);
  cell.n = Math.min(MAX_N, Math.max(MIN_N, n));
}

const loadBefore = loadavg();
const started = new Date();
const plan = [];
for (const alg of ALGS) {
  const keys = await material(alg);
  const t = accessToken(alg, keys.signKey);
  plan.push({ alg, t, cells: candidates(alg, keys, t) });
}
for (const { t, cells } of plan) for (const cell of cells) await prepare(cell, t);

const samples = [];
for (let rep = 0; rep < config.reps; rep++) {
  for (const { alg, cells } of plan) {
    // Rotate the order each repetition so no cell always runs first or after the same one.
    const order = cells.map((_, i) => cells[(i + rep) % cells.length]);
    for (const cell of order) {
      if (cell.unsupported) continue;
      samples.push({ rep, alg, cell: cell.name, ...(await run(cell, cell.n)) });
    }
  }
  console.error(`repetition ${rep + 1}/${config.reps} done`);
}

const summary = plan.map(({ alg, t, cells }) => {
  const row = { alg, tokenBytes: t.token.length, cells: {} };
  for (const cell of cells) {
    if (cell.unsupported) {
      row.cells[cell.name] = { unsupported: cell.unsupported };
      continue;
    }
    const mine = samples.filter((s) => s.alg === alg && s.cell === cell.name);
    row.cells[cell.name] = {
      n: cell.n,
      cpuUs: stats(mine.map((s) => s.cpuUs)),
      wallUs: stats(mine.map((s) => s.wallUs)),
    };
  }
  const base = row.cells['fast-jwt'].cpuUs.median;
  for (const c of Object.values(row.cells)) if (c.cpuUs) c.vsFastJwt = c.cpuUs.median / base;
  return row;
});

const record = {
  name: 'jwt-verify',
  command: `node bench/decisions/jwt-verify.js ${process.argv.slice(2).join(' ')}`.trim(),
  date: started.toISOString(),
  elapsedS: (Date.now() - started.getTime()) / 1000,
  node: process.version,
  openssl: process.versions.openssl,
  nproc: availableParallelism(),
  // 1/5/15-min load averages: anything else running on the machine shows up here.
  loadavg: { before: loadBefore, after: loadavg() },
  versions: versions(['fast-jwt', 'jose', 'jsonwebtoken', 'passport-jwt']),
  config,
  summary,
  samples,
};
const file = writeResult('jwt-verify', record);
console.log(table(summary));
console.log(`\nraw: bench/decisions/results/${file}`);

function table(rows) {
  const names = Object.keys(rows[0].cells);
  const lines = [
    `| µs CPU per call, median (min–max) ×fast-jwt | ${ALGS.join(' | ')} |`,
    `| --- |${ALGS.map(() => ' --- |').join('')}`,
  ];
  for (const name of names) {
    const cells = rows.map(({ cells: c }) => {
      const x = c[name];
      if (x.unsupported) return 'unsupported';
      const { median, min, max } = x.cpuUs;
      return `${f(median)} (${f(min)}–${f(max)}) ×${x.vsFastJwt.toFixed(2)}`;
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function f(us) {
  return us < 10 ? us.toFixed(2) : us.toFixed(1);
}
