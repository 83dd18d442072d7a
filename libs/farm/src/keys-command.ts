import { execFile } from 'node:child_process';

/** `npm run keys -- <args>` with the auth service's configuration; resolves with its output. */
export function runKeys(
  script: string,
  env: Record<string, string>,
  args: string[],
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env: { ...env, LOG_LEVEL: 'warn', NO_COLOR: '1' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        // The command's own lines only, not the Nest client's start-up chatter.
        const own = (text: string) =>
          text
            .split('\n')
            .filter((line) => line && !line.startsWith('[Nest]'))
            .join('\n');
        if (error) reject(new Error(`keys ${args[0]} failed: ${own(stderr) || own(stdout)}`));
        else resolve(own(stdout));
      },
    );
  });
}
