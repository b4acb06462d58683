/** The primary key of an account's row in the accounts table (lambda/session/accounts.ts writes it; pay reads the buyer's ids from it). */
export const accountKey = (accountId: string) => [{ key: `account:${accountId}` }];
