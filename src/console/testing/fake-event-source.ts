/** A hand-driven EventSource: the test opens it, sends events and breaks it. */
export class FakeEventSource {
  /** Every one made since the list was last emptied, oldest first. */
  static instances: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: (() => void) | null = null;
  listeners = new Map<string, Array<(e: MessageEvent) => void>>();
  closed = false;
  /** The newest one: the stream the code under test follows now. */
  static get last(): FakeEventSource | undefined {
    return FakeEventSource.instances.at(-1);
  }
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(name: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  emit(name: string, data: unknown) {
    for (const fn of this.listeners.get(name) ?? []) fn(new MessageEvent(name, { data: JSON.stringify(data) }));
  }
  fail(final: boolean) {
    this.readyState = final ? 2 : 0;
    this.onerror?.();
  }
}
