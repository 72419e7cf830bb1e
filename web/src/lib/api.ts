// The one HTTP client: bearer tokens with refresh (single flight), X-Provider-Id for Global Admins,
// and errors as ApiError carrying the API's {error: {code, message, field}}.
import type { ApiErrorBody, Me, TokenPair } from "./types";

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public field?: string) {
    super(message);
  }
}

export interface StoredTokens extends TokenPair {
  /** When the access token expires (ms since epoch). */
  expires_at: number;
}

/** Where tokens and the chosen provider are kept between reloads. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const TOKENS = "octoisp.tokens";
const PROVIDER = "octoisp.provider";

export type LoginResult = { kind: "ok" } | { kind: "totp" };

export class ApiClient {
  private tokens: StoredTokens | null;
  private refreshing: Promise<boolean> | null = null;
  private signedOut = new Set<() => void>();
  providerId: string | null;

  constructor(private store: KeyValueStore, private fetcher: typeof fetch = (...args) => fetch(...args), private now: () => number = Date.now) {
    this.tokens = parse<StoredTokens>(store.getItem(TOKENS));
    this.providerId = store.getItem(PROVIDER);
  }

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  get accessToken(): string | null {
    return this.tokens?.access_token ?? null;
  }

  setProvider(id: string | null): void {
    this.providerId = id;
    if (id) this.store.setItem(PROVIDER, id);
    else this.store.removeItem(PROVIDER);
  }

  onSignedOut(listener: () => void): () => void {
    this.signedOut.add(listener);
    return () => this.signedOut.delete(listener);
  }

  /** Signs in; `totp` when the account needs its second factor (ask for the code and call again). */
  async login(email: string, password: string, totpCode?: string): Promise<LoginResult> {
    const body: Record<string, string> = { email, password };
    if (totpCode) body.totp_code = totpCode;
    try {
      const pair = await this.raw<TokenPair>("POST", "/api/v1/auth/login", body, false);
      this.keep(pair);
      return { kind: "ok" };
    } catch (error) {
      if (error instanceof ApiError && error.code === "totp_required" && !totpCode) return { kind: "totp" };
      throw error;
    }
  }

  async logout(): Promise<void> {
    const refresh = this.tokens?.refresh_token;
    if (refresh) {
      await this.raw("POST", "/api/v1/auth/logout", { refresh_token: refresh }, true).catch(() => undefined);
    }
    this.forget();
  }

  me(): Promise<Me> {
    return this.request<Me>("GET", "/api/v1/me");
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  /** POST without the session: the invitation page, before the account has a password. */
  anonymous<T>(path: string, body: unknown): Promise<T> {
    return this.raw<T>("POST", path, body, false);
  }

  /** GET of a document that is not JSON (a CSV export), with the same authentication. */
  async text(path: string): Promise<string> {
    this.sync();
    if (this.tokens && this.tokens.expires_at - this.now() < 30_000) await this.refresh();
    const headers: Record<string, string> = {};
    if (this.tokens) headers.Authorization = `Bearer ${this.tokens.access_token}`;
    if (this.providerId) headers["X-Provider-Id"] = this.providerId;
    const response = await this.fetcher(path, { method: "GET", headers });
    if (!response.ok) throw new ApiError(response.status, "http_" + response.status, response.statusText);
    return response.text();
  }

  /** A request with the access token, refreshed first when it is about to expire and once on 401. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    this.sync();
    if (this.tokens && this.tokens.expires_at - this.now() < 30_000) await this.refresh();
    try {
      return await this.raw<T>(method, path, body, true);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && this.tokens) {
        if (await this.refresh()) return this.raw<T>(method, path, body, true);
        this.forget();
      }
      throw error;
    }
  }

  /** A file behind the API (a report's PDF or CSV), fetched with the session like any request. */
  async blob(path: string): Promise<Blob> {
    this.sync();
    if (this.tokens && this.tokens.expires_at - this.now() < 30_000) await this.refresh();
    const headers: Record<string, string> = {};
    if (this.tokens) headers.Authorization = `Bearer ${this.tokens.access_token}`;
    if (this.providerId) headers["X-Provider-Id"] = this.providerId;
    const response = await this.fetcher(path, { method: "GET", headers });
    if (!response.ok) throw new ApiError(response.status, "http_" + response.status, response.statusText);
    return response.blob();
  }

  /** Takes the tokens another tab stored (refresh tokens are single-use, so tabs share one pair). */
  private sync(): void {
    const stored = parse<StoredTokens>(this.store.getItem(TOKENS));
    if (stored && stored.refresh_token !== this.tokens?.refresh_token) this.tokens = stored;
  }

  /** Renews the tokens; concurrent callers share one refresh, and tabs take turns (Web Locks) so a
   *  tab that finds fresh tokens from another one uses them. False (and signed out) when refused. */
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    if (!this.tokens) return Promise.resolve(false);
    const used = this.tokens.refresh_token;
    const renew = () => {
      this.sync();
      if (!this.tokens) return Promise.resolve(false);
      if (this.tokens.refresh_token !== used && this.tokens.expires_at - this.now() >= 30_000) return Promise.resolve(true);
      return this.raw<TokenPair>("POST", "/api/v1/auth/refresh", { refresh_token: this.tokens.refresh_token }, false).then((pair) => {
        this.keep(pair);
        return true;
      });
    };
    const locks = (globalThis as { navigator?: { locks?: { request(name: string, body: () => Promise<boolean>): Promise<boolean> } } }).navigator?.locks;
    this.refreshing = (locks ? locks.request("octoisp-token-refresh", renew) : renew())
      .catch((error) => {
        if (error instanceof ApiError && (error.status === 401 || error.status === 400)) this.forget();
        return false;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  private keep(pair: TokenPair): void {
    this.tokens = { ...pair, expires_at: this.now() + pair.expires_in * 1000 };
    this.store.setItem(TOKENS, JSON.stringify(this.tokens));
  }

  private forget(): void {
    const had = this.tokens !== null;
    this.tokens = null;
    this.store.removeItem(TOKENS);
    if (had) this.signedOut.forEach((l) => l());
  }

  private async raw<T>(method: string, path: string, body: unknown, authenticated: boolean): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    // A Blob (a file picked for upload) goes as its own bytes and type; anything else as JSON.
    const file = typeof Blob !== "undefined" && body instanceof Blob ? body : null;
    if (body !== undefined) headers["Content-Type"] = file ? file.type || "application/octet-stream" : "application/json";
    if (authenticated && this.tokens) headers.Authorization = `Bearer ${this.tokens.access_token}`;
    if (authenticated && this.providerId) headers["X-Provider-Id"] = this.providerId;
    let response: Response;
    try {
      response = await this.fetcher(path, { method, headers, body: body === undefined ? undefined : file ?? JSON.stringify(body) });
    } catch (error) {
      throw new ApiError(0, "network", error instanceof Error ? error.message : String(error));
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json = text ? parse<unknown>(text) : undefined;
    if (!response.ok) {
      const failure = (json as ApiErrorBody | undefined)?.error;
      throw new ApiError(response.status, failure?.code ?? "http_" + response.status, failure?.message ?? response.statusText, failure?.field);
    }
    return json as T;
  }
}

function parse<T>(text: string | null): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
