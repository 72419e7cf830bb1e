// One WebSocket per tab to /api/v1/ws: topics are reference-counted, the socket reconnects with
// capped exponential backoff (with jitter) and subscribes again to every topic after each reconnect.

export type ConnectionState = "idle" | "connecting" | "open" | "closed";

export interface RealtimeEvent {
  topic: string;
  data: unknown;
}

/** The subset of WebSocket the client uses, so tests can hand in a fake. */
export interface SocketLike {
  readyState: number;
  send(text: string): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export interface RealtimeOptions {
  /** The URL to open, or null when there is nothing to connect with yet (signed out). */
  url: () => string | null;
  open?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
  baseDelay?: number;
  maxDelay?: number;
}

/** The delay before reconnect attempt `attempt` (0-based): base·2^attempt capped, with ±20 % jitter. */
export function backoff(attempt: number, base = 500, max = 30_000, random: () => number = Math.random): number {
  const raw = Math.min(max, base * 2 ** Math.min(attempt, 16));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

export class RealtimeClient {
  private socket: SocketLike | null = null;
  private topics = new Map<string, number>();
  private handlers = new Set<(event: RealtimeEvent) => void>();
  private stateListeners = new Set<(state: ConnectionState) => void>();
  private attempt = 0;
  private timer: unknown = null;
  private stopped = true;
  state: ConnectionState = "idle";

  constructor(private options: RealtimeOptions) {}

  /** Starts (or restarts) the connection. */
  start(): void {
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  /** Closes the socket and stops reconnecting (sign-out). Topics are kept for the next start. */
  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    this.setState("idle");
  }

  /** Subscribes to `topic` while the returned function is not called. */
  subscribe(topic: string): () => void {
    const count = this.topics.get(topic) ?? 0;
    this.topics.set(topic, count + 1);
    if (count === 0) this.send({ action: "subscribe", topics: [topic] });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.topics.get(topic) ?? 1) - 1;
      if (left > 0) {
        this.topics.set(topic, left);
      } else {
        this.topics.delete(topic);
        this.send({ action: "unsubscribe", topics: [topic] });
      }
    };
  }

  onEvent(handler: (event: RealtimeEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  get subscribedTopics(): string[] {
    return [...this.topics.keys()].sort();
  }

  private connect(): void {
    if (this.stopped) return;
    const url = this.options.url();
    if (!url) {
      this.setState("idle");
      return;
    }
    this.setState("connecting");
    const open = this.options.open ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = open(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState("open");
      const topics = this.subscribedTopics;
      if (topics.length) this.send({ action: "subscribe", topics });
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== "string") return;
      let parsed: { type?: string; topic?: string; data?: unknown };
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      if (parsed.type === "event" && typeof parsed.topic === "string") {
        const event = { topic: parsed.topic, data: parsed.data };
        this.handlers.forEach((h) => h(event));
      }
    };
    socket.onerror = () => undefined;
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setState("closed");
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.cancelTimer();
    const delay = backoff(this.attempt++, this.options.baseDelay, this.options.maxDelay, this.options.random);
    const setTimer = this.options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    this.timer = setTimer(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private cancelTimer(): void {
    if (this.timer === null) return;
    (this.options.clearTimer ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.timer);
    this.timer = null;
  }

  private send(command: { action: string; topics: string[] }): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(command));
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.stateListeners.forEach((l) => l(state));
  }
}
