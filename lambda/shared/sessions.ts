import { createHash, randomBytes } from 'node:crypto';
import { AppError } from './errors';
import { OtsSession, TableStore, columnsOf, int64, isConditionFailed, toNumber } from './ots';

/**
 * The account's id, a dot, then 256 bits from the CSPRNG in base64url (43 characters). The secret
 * is the random part; the account in front lets db start reading the account's data while it
 * checks the session (live-session.ts), and is checked against the session row before anything
 * read is used. Ids issued before this format (the 43 random characters alone) stay valid.
 */
export const newSessionId = (accountId: string): string => `${accountId}.${randomBytes(32).toString('base64url')}`;
export const SESSION_ID_PATTERN = /^(?:(acc_[A-Za-z0-9_-]{22})\.)?[A-Za-z0-9_-]{43}$/;

/** The account a well-formed session id names, unverified; undefined for ids of the older format. */
export const claimedAccountOf = (sessionId: string): string | undefined => SESSION_ID_PATTERN.exec(sessionId)?.[1];

/**
 * Rows are keyed by SHA-256 of the session id, not the id itself: someone who can read the table
 * (a console user, a leaked export) learns no usable session.
 */
export const sessionKey = (sessionId: string): string => createHash('sha256').update(sessionId).digest('base64url');

export interface Session {
  /** The person's account (lambda/session/accounts.ts), which owns their data. */
  accountId: string;
  expiresAt: number;
}

export class SessionStore {
  constructor(
    private readonly ots: OtsSession,
    private readonly table: string,
  ) {}

  /** Writes a new session row; it fails rather than overwrite an existing row. */
  async create(sessionId: string, accountId: string, now: number, ttlSeconds: number): Promise<Session> {
    const expiresAt = now + ttlSeconds * 1000;
    const params = {
      tableName: this.table,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
      primaryKey: [{ sid: sessionKey(sessionId) }],
      attributeColumns: [{ accountId }, { createdAt: int64(now) }, { expiresAt: int64(expiresAt) }],
    };
    const before = this.ots.roundTrips;
    try {
      await this.ots.call((c) => c.putRow(params));
    } catch (e) {
      // The id is 256 random bits, so an existing row means our own earlier attempt landed and
      // only its answer was lost: the retry found it. On a first attempt it is a real anomaly.
      if (!(isConditionFailed(e) && this.ots.roundTrips - before > 1)) throw e;
      const stored = await this.read(sessionId, now);
      if (stored?.accountId !== accountId) throw new AppError('Internal', 'Session could not be created; retry.');
    }
    return { accountId, expiresAt };
  }

  /**
   * The live session with this id, or undefined for unknown, malformed or expired ids. Rows written
   * before accounts existed name a raw Alipay id (`uid`) and no account: they count as unknown, so
   * their holders log in once more, which moves their data into their account.
   */
  async read(sessionId: string, now: number): Promise<Session | undefined> {
    if (!SESSION_ID_PATTERN.test(sessionId)) return undefined;
    const { row } = await this.ots.call((c) =>
      c.getRow({ tableName: this.table, primaryKey: [{ sid: sessionKey(sessionId) }], maxVersions: 1, columnsToGet: ['accountId', 'expiresAt'] }),
    );
    const cols = columnsOf(row);
    if (!cols || typeof cols.accountId !== 'string') return undefined;
    const expiresAt = toNumber(cols.expiresAt);
    // Tablestore's TTL deletes rows eventually, not on the dot: expiry is also checked here.
    if (!(expiresAt > now)) return undefined;
    return { accountId: cols.accountId, expiresAt };
  }

  async delete(sessionId: string): Promise<void> {
    if (!SESSION_ID_PATTERN.test(sessionId)) return;
    await this.ots.call((c) =>
      c.deleteRow({
        tableName: this.table,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: [{ sid: sessionKey(sessionId) }],
      }),
    );
  }
}
