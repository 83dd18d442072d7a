export interface DemoUser {
  username: string;
  password: string;
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

function random(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

/**
 * Registers one user for this page, so both devices log in as the same person and "log out
 * everywhere" on one device ends the other's sessions too. The password never leaves memory.
 */
export async function registerDemoUser(): Promise<DemoUser> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const user = { username: `demo-${random(8)}`, password: random(24) };
    const response = await fetch('/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: AbortSignal.timeout(15_000),
    });
    if (response.status === 201) return user;
    if (response.status !== 409) {
      const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
      const code = typeof body?.error === 'string' ? body.error : '';
      throw new Error(`registration answered ${response.status} ${code}`.trim());
    }
  }
  throw new Error('registration kept answering 409 USERNAME_TAKEN');
}
