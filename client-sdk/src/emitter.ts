/** A small typed event emitter that runs in browsers and Node alike. */
export class Emitter<Events extends { [K in keyof Events]: (payload: never) => void }> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Like {@link on}, for one call. */
  once<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    const wrapped = ((payload: never) => {
      off();
      (listener as (p: never) => void)(payload);
    }) as Events[K];
    const off = this.on(event, wrapped);
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  protected emit<K extends keyof Events>(event: K, payload: Parameters<Events[K]>[0]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (p: typeof payload) => void)(payload);
      } catch (error) {
        // A failing app listener must not break delivery to the others.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }
}
