import type { PolicyDocument, PolicyStatement } from '../credentials';
import { stsErrors, type StsError } from './errors';

export const MAX_POLICY_BYTES = 2048;

const isStringOrList = (v: unknown): v is string | string[] =>
  (typeof v === 'string' && v.length > 0) || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0));

const STATEMENT_KEYS = new Set(['Effect', 'Action', 'Resource', 'Condition']);

function isStatement(s: unknown): s is PolicyStatement {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return false;
  const o = s as Record<string, unknown>;
  return (
    Object.keys(o).every((k) => STATEMENT_KEYS.has(k)) &&
    (o.Effect === 'Allow' || o.Effect === 'Deny') &&
    isStringOrList(o.Action) &&
    isStringOrList(o.Resource) &&
    (o.Condition === undefined || (typeof o.Condition === 'object' && o.Condition !== null))
  );
}

/**
 * Parses AssumeRole's `Policy` into the document the credential store evaluates. Grammar is RAM's
 * (Version "1", a non-empty Statement list of Effect/Action/Resource[/Condition]); NotAction and
 * NotResource are refused because the local policy evaluator does not implement them, so a policy
 * using them would silently mean something else here than in the cloud.
 */
export function parseSessionPolicy(text: string): PolicyDocument | StsError {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) return stsErrors.policySize(MAX_POLICY_BYTES);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return stsErrors.policyGrammar();
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return stsErrors.policyGrammar();
  const { Version, Statement, ...rest } = doc as Record<string, unknown>;
  if (Version !== '1' || Object.keys(rest).length > 0) return stsErrors.policyGrammar();
  if (!Array.isArray(Statement) || Statement.length === 0 || !Statement.every(isStatement)) return stsErrors.policyGrammar();
  return { Version, Statement };
}
