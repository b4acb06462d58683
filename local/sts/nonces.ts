/**
 * Remembers SignatureNonces for as long as a request carrying them could still pass the
 * timestamp check, so a captured request cannot be replayed inside that window.
 */
export class NonceLedger {
  private readonly seen = new Map<string, number>(); // key → forget-after (epoch ms)

  constructor(private readonly retainMs: number) {}

  /** Records the nonce; false if this key id already used it. */
  claim(accessKeyId: string, nonce: string, now: number): boolean {
    for (const [k, until] of this.seen) if (until <= now) this.seen.delete(k);
    const key = `${accessKeyId}\n${nonce}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, now + this.retainMs);
    return true;
  }
}
