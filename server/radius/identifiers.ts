// RADIUS Identifier allocation for one client socket (RFC 2865 §3: "The
// Identifier field is one octet ... the RADIUS server can detect a duplicate
// request if it has the same client source IP address and source UDP port and
// Identifier within a short span of time"). So per socket at most 256 requests
// may be in flight; a caller that needs a 257th waits for one to be released.
//
// Identifiers are handed out round-robin from after the last one, so a freed
// identifier is not reused at once: a late reply to an old request is then far
// less likely to meet a new request with the same identifier (and if it does,
// the Response Authenticator check refuses it anyway).

export const IDENTIFIER_SPACE = 256;

export class IdentifierPool {
  readonly #used = new Uint8Array(IDENTIFIER_SPACE);
  #inUse = 0;
  #next = 0;
  readonly #waiters: Array<(id: number) => void> = [];

  get inFlight(): number {
    return this.#inUse;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** A free identifier, or undefined when all 256 are in flight. */
  tryAcquire(): number | undefined {
    if (this.#inUse >= IDENTIFIER_SPACE) return undefined;
    for (let i = 0; i < IDENTIFIER_SPACE; i++) {
      const id = (this.#next + i) % IDENTIFIER_SPACE;
      if (this.#used[id] === 0) {
        this.#used[id] = 1;
        this.#inUse++;
        this.#next = (id + 1) % IDENTIFIER_SPACE;
        return id;
      }
    }
    return undefined;
  }

  /**
   * An identifier, now or once one is released (first come, first served).
   * The signal withdraws the wait; the promise then rejects with its reason.
   */
  acquire(signal?: AbortSignal): Promise<number> {
    const id = this.#waiters.length === 0 ? this.tryAcquire() : undefined;
    if (id !== undefined) return Promise.resolve(id);
    return new Promise<number>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const waiter = (got: number): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(got);
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i !== -1) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Gives an identifier back; a waiter, if any, receives it directly. */
  release(id: number): void {
    if (this.#used[id] !== 1) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter(id); // stays marked in use, now by the waiter
      return;
    }
    this.#used[id] = 0;
    this.#inUse--;
  }

  isInUse(id: number): boolean {
    return this.#used[id] === 1;
  }
}
