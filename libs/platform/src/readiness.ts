/** What an app checks before it reports ready: its stores and keys. Each app binds its own. */
export abstract class Readiness {
  abstract isReady(): Promise<boolean>;
}
