/** What the operator sees when a command fails: the typed code and the advice, never a stack by default. */
export function describeFailure(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown };
    return `[${String(e.code)}] ${String(e.message)}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
