import {
  deviceOriginOf,
  isDeviceMessage,
  type CommandMessage,
  type CommandName,
  type Commands,
  type DeviceName,
} from './messages.js';

const CALL_TIMEOUT_MS = 30_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The top page's side of one device frame: commands out with the device's exact origin as the
 * target, replies in only from that origin and that frame's window.
 */
export class DeviceLink {
  readonly origin: string;
  readonly frame: HTMLIFrameElement;
  private loaded = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly readyListeners: Array<() => void> = [];

  constructor(
    readonly name: DeviceName,
    title: string,
  ) {
    this.origin = deviceOriginOf(location, name);
    this.frame = document.createElement('iframe');
    this.frame.title = title;
    this.frame.className = 'device-frame';
    this.frame.src = `${this.origin}/console/device.html`;
    window.addEventListener('message', (event) => this.receive(event));
  }

  get ready(): boolean {
    return this.loaded;
  }

  /** Called each time the device page (re)loads and announces itself. */
  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  call<N extends CommandName>(
    name: N,
    args: Commands[N]['args'],
    timeoutMs = CALL_TIMEOUT_MS,
  ): Promise<Commands[N]['result']> {
    const target = this.frame.contentWindow;
    if (!this.loaded || !target) {
      return Promise.reject(new Error(`the ${this.name} device has not loaded`));
    }
    const id = this.nextId++;
    const message: CommandMessage<N> = { type: 'command', id, name, args };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the ${this.name} device did not answer ${name} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => resolve(value as Commands[N]['result']),
        reject,
        timer,
      });
      target.postMessage(message, this.origin);
    });
  }

  private receive(event: MessageEvent<unknown>): void {
    if (event.origin !== this.origin || event.source !== this.frame.contentWindow) return;
    const message = event.data;
    if (!isDeviceMessage(message)) return;
    if (message.type === 'ready') {
      if (message.device !== this.name) return;
      this.loaded = true;
      for (const listener of this.readyListeners) listener();
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new Error(message.error));
  }
}
