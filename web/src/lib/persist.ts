// The last answer of each page visited, kept in IndexedDB so the dashboard can show it offline
// ("offline — data from 14:32"). Cleared on sign-out. Every failure here is silent: persistence
// is a convenience, never a reason for a screen to fail.

export interface Saved {
  data: unknown;
  at: number;
}

const DB = "octoisp";
const STORE = "pages";

function open(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === "undefined") return Promise.resolve(null);
  return new Promise((resolve) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
  });
}

let database: Promise<IDBDatabase | null> | null = null;
const db = () => (database ??= open());

function run<T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  return db().then(
    (handle) =>
      new Promise<T | undefined>((resolve) => {
        if (!handle) return resolve(undefined);
        try {
          const tx = handle.transaction(STORE, mode);
          const request = body(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(request ? request.result : undefined);
          tx.onerror = () => resolve(undefined);
          tx.onabort = () => resolve(undefined);
        } catch {
          resolve(undefined);
        }
      }),
  );
}

export const persist = {
  get: (key: string) => run<Saved>("readonly", (store) => store.get(key) as IDBRequest<Saved>),
  put(key: string, data: unknown) {
    const saved: Saved = { data, at: Date.now() };
    return run("readwrite", (store) => void store.put(saved, key));
  },
  clear: () => run("readwrite", (store) => void store.clear()),
};
