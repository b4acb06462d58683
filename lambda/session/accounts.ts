import { randomBytes } from 'node:crypto';
import { AppError } from '../shared/errors';
import { OtsSession, TableStore, columnsOf, int64, isConditionFailed, toNumber } from '../shared/ots';
import { accountKey } from '../shared/account-row';
import type { AlipayIds } from './alipay';
import type { LegacyData } from './legacy-data';

/**
 * `acc_` + 128 random bits. Never an Alipay id: a person keeps the account when Alipay moves the
 * app from user_id to open_id, and an account id can't be mistaken for the raw ids the data was
 * keyed by before accounts existed (digits, or open_id's alphanumerics without `_`).
 */
export const newAccountId = (): string => `acc_${randomBytes(16).toString('base64url')}`;

export interface Account {
  accountId: string;
  userId?: string;
  openId?: string;
  unionId?: string;
  mobile?: string;
  createdAt: string;
}

/** Which Alipay id an alias row is for, and the account column that mirrors it. */
type AliasKind = 'user_id' | 'open_id';
interface Alias {
  kind: AliasKind;
  id: string;
}
interface AliasRow {
  accountId: string;
  createdAt: number;
  /** The account row lists this id and the id's pre-account data has been moved into the account. */
  settled: boolean;
  /** This alias was the first of its account: its settling writes the account's createdAt. */
  founding: boolean;
  unionId?: string;
}

/** What a login found or made, for the answer and the log line. */
export interface SignIn {
  accountId: string;
  /** The login created the account. */
  created: boolean;
  /** The Alipay ids pointed at two different accounts; the open_id's one was used (README, "Accounts"). */
  conflict: boolean;
}

const { EXPECT_EXIST, EXPECT_NOT_EXIST, IGNORE } = TableStore.RowExistenceExpectation;
const aliasKey = (a: Alias) => [{ key: `${a.kind}:${a.id}` }];
const COLUMN: Record<AliasKind, 'userId' | 'openId'> = { user_id: 'userId', open_id: 'openId' };

/**
 * One account per person per app, found by whichever Alipay ids the login answer carries.
 * Steady state, a login reads its one or two alias rows at once (one round trip). Everything else
 * happens once per Alipay id and is resumable: claim the alias row (conditional put, the only
 * point where two logins can race), then "settle" it: record the id on the account row, move the
 * data stored under the raw id before accounts existed, and mark the alias settled.
 */
export class AccountStore {
  constructor(
    private readonly ots: OtsSession,
    private readonly table: string,
    private readonly legacy: LegacyData,
  ) {}

  async signIn(ids: AlipayIds, now: number): Promise<SignIn> {
    // user_id first: it is the id pre-account data is most likely stored under, so it founds the account.
    const aliases: Alias[] = [];
    if (ids.userId) aliases.push({ kind: 'user_id', id: ids.userId });
    if (ids.openId) aliases.push({ kind: 'open_id', id: ids.openId });
    if (aliases.length === 0) throw new AppError('UpstreamError', 'Alipay answered without a user id.');

    const rows = await Promise.all(aliases.map((a) => this.readAlias(a)));
    const linked = rows.flatMap((r) => (r ? [r.accountId] : []));
    const conflict = new Set(linked).size > 1;
    // On a conflict the open_id's account wins: it is the one every later open_id-only login finds.
    let accountId = conflict ? rows[rows.length - 1]!.accountId : linked[0];
    let created = false;
    if (!accountId) {
      const claimed = await this.claim(aliases[0], newAccountId(), now, true);
      [rows[0], accountId, created] = [claimed.row, claimed.row.accountId, claimed.won];
    }
    const work = aliases.map(async (alias, i) => {
      const row = rows[i] ?? (await this.claim(alias, accountId, now, false)).row;
      if (row.accountId !== accountId) return; // linked elsewhere: the conflict case above
      if (!row.settled || (ids.unionId && row.unionId !== ids.unionId)) await this.settle(alias, row, ids.unionId);
    });
    await Promise.all(work);
    return { accountId, created, conflict };
  }

  async read(accountId: string): Promise<Account> {
    const { row } = await this.ots.call((c) => c.getRow({ tableName: this.table, primaryKey: accountKey(accountId), maxVersions: 1 }));
    const cols = columnsOf(row);
    if (!cols) throw new AppError('Internal', 'The account could not be read; log in again.');
    const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    return {
      accountId,
      userId: text(cols.userId),
      openId: text(cols.openId),
      unionId: text(cols.unionId),
      mobile: text(cols.mobile),
      createdAt: new Date(toNumber(cols.createdAt)).toISOString(),
    };
  }

  /** Stores the phone number Alipay vouched for; the account row exists for every session. */
  async setMobile(accountId: string, mobile: string, now: number): Promise<void> {
    await this.ots.call((c) =>
      c.updateRow({
        tableName: this.table,
        primaryKey: accountKey(accountId),
        condition: new TableStore.Condition(EXPECT_EXIST, null),
        updateOfAttributeColumns: [{ PUT: [{ mobile }, { mobileAt: int64(now) }] }],
      }),
    );
  }

  private async readAlias(alias: Alias): Promise<AliasRow | undefined> {
    const { row } = await this.ots.call((c) => c.getRow({ tableName: this.table, primaryKey: aliasKey(alias), maxVersions: 1 }));
    const cols = columnsOf(row);
    if (!cols || typeof cols.accountId !== 'string') return undefined;
    return {
      accountId: cols.accountId,
      createdAt: toNumber(cols.createdAt),
      settled: cols.settled === true,
      founding: cols.founding === true,
      unionId: typeof cols.unionId === 'string' ? cols.unionId : undefined,
    };
  }

  /**
   * Points the alias at `accountId` unless it already points somewhere, and answers the row as it
   * stands. A lost race, or our own earlier attempt whose answer was lost, both leave a row: it is
   * read back and followed.
   */
  private async claim(alias: Alias, accountId: string, now: number, founding: boolean): Promise<{ row: AliasRow; won: boolean }> {
    const row: AliasRow = { accountId, createdAt: now, settled: false, founding };
    try {
      await this.ots.call((c) =>
        c.putRow({
          tableName: this.table,
          primaryKey: aliasKey(alias),
          condition: new TableStore.Condition(EXPECT_NOT_EXIST, null),
          attributeColumns: [{ accountId }, { createdAt: int64(now) }, { settled: false }, { founding }],
        }),
      );
      return { row, won: true };
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      const existing = await this.readAlias(alias);
      if (!existing) throw new AppError('Unavailable', 'The account is being changed; retry.');
      // Our own earlier attempt (answer lost, retried) reads back as exactly what we wrote.
      return { row: existing, won: existing.accountId === accountId };
    }
  }

  /**
   * Idempotent, so an interrupted login simply does it again: the account row records the id
   * (created by the founding alias), the raw id's old data moves into the account, and only then
   * is the alias marked settled, on condition that it still points at this account.
   */
  private async settle(alias: Alias, row: AliasRow, unionId: string | undefined): Promise<void> {
    const columns: Record<string, unknown>[] = [{ [COLUMN[alias.kind]]: alias.id }];
    if (row.founding) columns.push({ createdAt: int64(row.createdAt) });
    if (unionId) columns.push({ unionId });
    await Promise.all([
      this.ots.call((c) =>
        c.updateRow({
          tableName: this.table,
          primaryKey: accountKey(row.accountId),
          condition: new TableStore.Condition(IGNORE, null),
          updateOfAttributeColumns: [{ PUT: columns }],
        }),
      ),
      row.settled ? undefined : this.legacy.moveInto(alias.id, row.accountId),
    ]);
    const marks: Record<string, unknown>[] = [{ settled: true }];
    if (unionId) marks.push({ unionId });
    await this.ots.call((c) =>
      c.updateRow({
        tableName: this.table,
        primaryKey: aliasKey(alias),
        condition: new TableStore.Condition(
          EXPECT_EXIST,
          new TableStore.SingleColumnCondition('accountId', row.accountId, TableStore.ComparatorType.EQUAL, false),
        ),
        updateOfAttributeColumns: [{ PUT: marks }],
      }),
    );
  }
}
