/** What `fn` returns, or undefined where it throws: for the checks only a parse can make. */
export function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
