import { byId } from './dom.js';
import type { TokenSource } from './controls-client.js';

const KEY = 'authfarm.console.adminToken';

/**
 * The admin token for the farm controls, asked for only when the farm answers
 * ADMIN_TOKEN_REQUIRED, and kept in sessionStorage: gone when the tab closes.
 */
export class AdminToken implements TokenSource {
  private readonly form = byId('admin-token-form', HTMLFormElement);
  private readonly input = byId('admin-token', HTMLInputElement);
  private readonly note = byId('admin-token-note', HTMLElement);

  constructor(onSaved: () => void) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const token = this.input.value.trim();
      if (!token) {
        this.note.textContent = 'Enter the admin token the farm was started with.';
        return;
      }
      try {
        sessionStorage.setItem(KEY, token);
      } catch {
        this.note.textContent =
          'This browser does not keep session storage; the token is kept until reload.';
      }
      this.memory = token;
      this.input.value = '';
      this.note.textContent = 'Token saved for this tab. Checking it…';
      onSaved();
    });
  }

  private memory: string | null = null;

  get value(): string | null {
    try {
      return sessionStorage.getItem(KEY) ?? this.memory;
    } catch {
      return this.memory;
    }
  }

  /** Shows the form; `rejected` when a token was sent and refused. */
  ask(rejected: boolean): void {
    this.form.hidden = false;
    this.note.textContent = rejected
      ? 'The farm refused that token. Enter the ADMIN_TOKEN the farm was started with.'
      : 'This farm was started with ADMIN_TOKEN: the controls need it.';
    if (rejected) {
      try {
        sessionStorage.removeItem(KEY);
      } catch {
        // nothing stored
      }
      this.memory = null;
    }
  }

  hide(): void {
    this.form.hidden = true;
  }
}
