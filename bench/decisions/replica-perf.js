// Decision 0005, "the wake-up tax": where one replica's CPU goes per request, native and kernel
// frames included, which `--cpu-prof` cannot see. Runs `replica-direct.js` with one credential
// (its replica started with --perf-basic-prof, so perf can name JIT-compiled JavaScript), attaches
// `perf record` (software cpu-clock, call graphs) to that replica for the middle of the run, and
// divides the samples by the requests served while recording. Needs perf (Debian's linux-perf)
// and a build (`npm run build`).
//
//   node bench/decisions/replica-perf.js [--only jwt] [--rate 1000 (omit for a closed loop)]
//     [--alg HS256|EdDSA|ES256|RS256] [--cache 0|10000] [--store redis|postgres]
//     (passed on to replica-direct.js)
//     [--record 8] [--frequency 4000] [--frames sock_def_readable,fast-jwt/src/verifier.js,...]
//
// Writes bench/decisions/results/replica-perf-<case>-<timestamp>.json (µs per request spent in
// each frame named by --frames, self and inclusive, and in each binary) and the folded stacks
// beside it (.folded.gz, for any flame-graph tool). JIT symbols come from a map file that V8
// appends to for the process's whole life, so a few JavaScript names can be wrong where code was
// moved; native and kernel frames are exact.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { writeResult } from './harness.js';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'jwt' },
    rate: { type: 'string' },
    alg: { type: 'string', default: 'HS256' },
    store: { type: 'string', default: 'redis' },
    cache: { type: 'string', default: '0' },
    record: { type: 'string', default: '8' },
    frequency: { type: 'string', default: '4000' },
    frames: {
      type: 'string',
      default: [
        'sock_def_readable',
        'do_syscall_64',
        'fast-jwt/src/verifier.js',
        'credentials/src/credential.guard.js',
        'Heap::CollectGarbage',
      ].join(','),
    },
  },
});
const record = Number(args.record);
const perfData = join(tmpdir(), `replica-perf-${process.pid}.data`);

// Every service of the farm writes a symbol map to /tmp (V8's fixed place for it): the ones this
// run adds are removed at the end, once their processes are gone.
const mapsBefore = new Set(perfMaps());

// The run lasts long enough for the farm's warm-up and then the recording with a margin.
const direct = spawn(
  process.execPath,
  [
    fileURLToPath(new URL('replica-direct.js', import.meta.url)),
    ...['--only', args.only, '--rounds', '1', '--warmup', '4', '--seconds', String(record + 8)],
    ...(args.rate ? ['--rate', args.rate] : []),
    ...['--alg', args.alg, '--cache', args.cache, '--store', args.store],
    '--node-options=--perf-basic-prof',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let output = '';
const replicaPid = await new Promise((resolve, reject) => {
  direct.stdout.on('data', (chunk) => {
    output += chunk;
    const found = output.match(/replica pid (\d+)/);
    if (found) resolve(Number(found[1]));
  });
  direct.once('exit', () => reject(new Error(`replica-direct.js ended early:\n${output}`)));
});
const exited = new Promise((resolve) => direct.once('exit', resolve));

// replica-direct warms up for 4 s after printing the pid; record from 4 s into the measured run.
await new Promise((resolve) => setTimeout(resolve, 8_000));
const started = new Date();
execFileSync(
  'perf',
  [
    'record',
    ...['-e', 'cpu-clock', '-F', args.frequency, '-g', '-p', String(replicaPid)],
    ...['-o', perfData, '--', 'sleep', String(record)],
  ],
  { stdio: 'ignore' },
);
await exited;
const rawFile = output.match(/raw: (\S+)/)?.[1];
if (!rawFile) throw new Error(`no result from replica-direct.js:\n${output}`);
const { rps } = JSON.parse(readFileSync(rawFile, 'utf8')).summary[0];
rmSync(rawFile); // its one-round figures are in this record instead

const script = execFileSync('perf', ['script', '-i', perfData, '-F', 'ip,sym,dso'], {
  encoding: 'utf8',
  maxBuffer: 1 << 30,
});
rmSync(perfData);
for (const map of perfMaps().filter((name) => !mapsBefore.has(name))) {
  rmSync(`/tmp/${map}`, { force: true });
}

const requests = rps * record;
const microsPerSample = 1e6 / Number(args.frequency) / requests;
const frames = args.frames.split(',');
const folded = new Map();
const self = Object.fromEntries(frames.map((f) => [f, 0]));
const inclusive = Object.fromEntries(frames.map((f) => [f, 0]));
const binaries = {};
let samples = 0;
for (const block of script.split('\n\n')) {
  // Each frame line: "<ip> <symbol> (<binary>)", leaf first.
  const stack = block
    .split('\n')
    .map((line) => line.trim().match(/^[0-9a-f]+ (.*) \((.*)\)$/))
    .filter(Boolean)
    .map(([, symbol, binary]) => ({ symbol, binary }));
  if (stack.length === 0) continue;
  samples++;
  const name = stack[0].binary.split('/').pop();
  const leafBinary = /^perf-\d+\.map$/.test(name) ? 'JIT' : name;
  binaries[leafBinary] = (binaries[leafBinary] ?? 0) + 1;
  for (const frame of frames) {
    if (stack[0].symbol.includes(frame)) self[frame]++;
    if (stack.some(({ symbol }) => symbol.includes(frame))) inclusive[frame]++;
  }
  const key = stack
    .map(({ symbol }) => symbol.replaceAll(';', ','))
    .reverse()
    .join(';');
  folded.set(key, (folded.get(key) ?? 0) + 1);
}
const perRequest = (counts) =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v * microsPerSample]));

const result = {
  date: started.toISOString(),
  args,
  loadavg: loadavg(),
  rps,
  samples,
  cpuPerRequest: samples * microsPerSample,
  binaries: perRequest(binaries),
  self: perRequest(self),
  inclusive: perRequest(inclusive),
};
const file = writeResult(
  `replica-perf-${args.only}${args.store === 'redis' ? '' : `-${args.store}`}`,
  result,
);
writeFileSync(
  file.replace(/\.json$/, '.folded.gz'),
  gzipSync([...folded].map(([stack, n]) => `${stack} ${n}`).join('\n')),
);
console.log(
  `\n${args.only} at ${args.rate ? `${args.rate} req/s` : 'a closed loop'}: ${Math.round(rps)} req/s`,
);
console.log(`replica CPU while recording: ${result.cpuPerRequest.toFixed(1)} µs/request\n`);
console.log('| frame | self µs/req | inclusive µs/req |\n|---|---|---|');
for (const frame of frames) {
  console.log(
    `| ${frame} | ${result.self[frame].toFixed(1)} | ${result.inclusive[frame].toFixed(1)} |`,
  );
}
console.log(
  `\nby binary (self): ${Object.entries(result.binaries)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ')}`,
);
console.log(`raw: ${file}`);

function perfMaps() {
  return readdirSync('/tmp').filter((name) => /^perf-\d+\.map$/.test(name));
}
