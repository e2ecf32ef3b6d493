// The read or admin token lives in sessionStorage: it survives a reload of this tab and is
// gone when the tab closes. Storage can be off (privacy settings): then it lasts this page.
const KEY = 'engage-dashboard-token';
let fallback: string | undefined;

export function readToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return fallback;
  }
}

export function saveToken(token: string): void {
  fallback = token;
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    /* storage refused: kept in memory for this page */
  }
}

export function forgetToken(): void {
  fallback = undefined;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    /* nothing stored */
  }
}
