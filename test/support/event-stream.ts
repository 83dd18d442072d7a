/** A minimal Server-Sent Events client for the e2e specs. */
export interface EventStream {
  status: number;
  /** Resolves with the data of the next event of this name (earlier events are skipped). */
  next(name: string, timeoutMs?: number): Promise<unknown>;
  close(): void;
}

export async function openEventStream(
  url: string,
  headers: Record<string, string>,
): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (name: string, timeoutMs = 5000): Promise<unknown> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === name) return data ? JSON.parse(data) : undefined;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no "${name}" event within ${timeoutMs} ms`);
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no "${name}" event`)), remaining),
        ),
      ]);
      if (chunk.done) throw new Error(`stream ended before "${name}"`);
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  };
  return { status: response.status, next, close: () => controller.abort() };
}
