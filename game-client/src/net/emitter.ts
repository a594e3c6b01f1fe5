/**
 * A tiny typed event emitter: the network layer reports to the scenes through
 * it, so nothing in net/ depends on Phaser.
 */
export type Listener<A extends unknown[]> = (...args: A) => void;

export class Emitter<Events extends { [name: string]: unknown[] }> {
  #listeners = new Map<keyof Events, Set<Listener<any>>>();

  /** Subscribe; returns the unsubscribe function. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof Events>(name: K, ...args: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) listener(...args);
  }
}
