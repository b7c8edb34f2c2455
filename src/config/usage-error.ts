/**
 * What a user gave is wrong: an argument the command cannot run with, or a flag or
 * variable whose value does not parse. The message names it; `codeq` exits 2 on one.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
