// The object stores of a visitor's dedupe state, and the records a session keeps in them: the
// names apply.ts, session.ts and store.ts share (types only).

export type StateStore = 'kv' | 'calls' | 'msgs' | 'applied';

/** Records a session stored (its message ids, its calls): see Session.kept. */
export type Kept = [store: StateStore, key: string][];
