/**
 * Remembers SignatureNonces for as long as a request carrying them could still pass the
 * timestamp check, so a captured request cannot be replayed inside that window.
 *
 * Each nonce is kept until `forgetAfter` (the request's Timestamp plus the window: after that the
 * timestamp check refuses a replay by itself), and never longer than `retainMs` past its claim.
 * Entries sit in a Map in claim order; each claim first forgets the oldest ones while they are
 * due, so its work is O(1) amortized, and the ledger holds only the nonces of the last window.
 * Claim order is not quite forget order (Timestamps differ by up to the window), so a due nonce
 * can wait behind an older one that is not yet due, but never beyond `retainMs` after its claim:
 * every nonce ahead of it was claimed earlier and is forgotten by then.
 */
export class NonceLedger {
  private readonly seen = new Map<string, number>(); // key → remembered through (epoch ms), in claim order

  constructor(private readonly retainMs: number) {}

  /** Nonces currently remembered. */
  get size(): number {
    return this.seen.size;
  }

  /** Records the nonce until `forgetAfter` (inclusive); false if this key id already used it and it is still remembered. */
  claim(accessKeyId: string, nonce: string, now: number, forgetAfter = now + this.retainMs): boolean {
    this.forgetDue(now);
    const key = `${accessKeyId}\n${nonce}`;
    const until = this.seen.get(key);
    if (until !== undefined && until >= now) return false;
    // A due entry still queued behind a later one: claim it afresh, at the back.
    this.seen.delete(key);
    this.seen.set(key, Math.min(forgetAfter, now + this.retainMs));
    return true;
  }

  private forgetDue(now: number): void {
    for (const [key, until] of this.seen) {
      if (until >= now) return;
      this.seen.delete(key);
    }
  }
}
