// Types for `tactful` (init for bundler users) and for window.tactful, which
// the script tag (dist/tactful.js) and init() both set.

export type Purpose = 'personalization' | 'aggregate';
export type Category = 'interests' | 'purchases' | 'location' | 'occasions';

export type TrackEvent =
  | { type: 'view'; interests: string[] }
  | { type: 'purchase'; category: string; value?: number; item?: string }
  | { type: 'conversion'; goal?: string }
  | { type: 'click'; slot: string };

export interface ReadyStatus {
  ok: boolean;
  /** Why the page shows its default content, e.g. 'config-invalid', 'wasm-unavailable'. */
  reason?: string;
  message?: string;
}

export interface ConsentState {
  purposes: Record<Purpose, boolean>;
  categories: Record<Category, boolean>;
  signals: { gpc: boolean; dnt: boolean };
  policyVersion: string;
  [extra: string]: unknown;
}

export interface ConsentChange {
  purposes?: Partial<Record<Purpose, boolean>>;
  categories?: Partial<Record<Category, boolean>>;
}

export interface Declaration {
  likes?: string[];
  dislikes?: string[];
  occasions?: { birthdayMonth?: number };
  location?: { country: string; region?: string };
  /** Who states it: the visitor (default, provenance "declared") or the site relaying what the visitor told it, e.g. a shipping country (provenance "site"). */
  source?: 'visitor' | 'site';
}

/** The stable `code` of a refusal the visitor's own action can meet (docs/api.md), for a UI to say it in the visitor's words. */
export type TactfulErrorCode =
  | 'gesture-required' | 'directed-at-children' | 'signal-on' | 'category-off' | 'unknown-interest'
  | 'sensitive-interest' | 'like-and-dislike' | 'invalid-month' | 'invalid-country' | 'invalid-region'
  | 'not-stored' | 'slot-not-on-page' | 'slot-without-variants';

/** What a method's promise rejects with: message `tactful: OPERATION: ...`; `code` only for the refusals above. */
export interface TactfulError extends Error {
  code?: TactfulErrorCode;
  /** consent.set on a page where the module could not start: the withdrawals kept for its next start. */
  kept?: ConsentChange;
}

export interface ProfileItem {
  id: string;
  category: Category;
  kind: string;
  value: unknown;
  provenance?: { source: 'page' | 'track' | 'declared' | 'site'; at: string };
  expires?: string;
  use?: string;
  [extra: string]: unknown;
}

/** What is stored about the visitor, by category (each list present, maybe empty): items with ids for profile.remove(id). */
export type ProfileView = Record<Category, ProfileItem[]>;

export interface ProfileExport {
  format: 'tactful-export';
  version: number;
  exportedAt: string;
  consent: ConsentState;
  receipts: unknown[];
  profile: ProfileView;
  /** What deciding keeps on the device: the bucketing id, each "not now", what was shown per day (for caps). */
  decisions: {
    bucketId: string;
    notNow: { id: string; slot: string; at: string; expires: string }[];
    shown: { slot: string; variant: string; day: string; count: number }[];
  };
  /** The visitor's "No thanks" to the first-visit invitation, as the page keeps it; null when there is none. */
  invitation: { noThanks: { at: string; policyVersion: string } | null };
}

/** tactful.explain(slotId): why the slot shows what it shows, from the local profile. */
export interface Explanation {
  slot: string;
  variant: string | null;
  /** e.g. 'matched', 'consent', 'late'. */
  reason: string;
  /** The rule that fired, when one did. */
  rule?: { condition: unknown; paths: string[]; variant: string; [extra: string]: unknown };
  /**
   * The tests of the rule that decided (not an $or branch that did not hold). `value` is absent when the
   * test held because the attribute was; `negated` marks a test that held by what the visitor does NOT
   * have or is not; `matched` names the likes or dislikes a `likes`/`dislikes` test held by.
   */
  used: Array<{ path: string; value?: unknown; negated?: boolean; matched?: string[]; items: ProfileItem[]; [extra: string]: unknown }>;
  /** "Why am I seeing this?" in the page's language, and in each language by code. */
  sentence: string;
  sentences: Record<string, string>;
  [extra: string]: unknown;
}

export interface FlushResult {
  report: boolean;
  epsilonSpent: number;
  epsilonBudget: number;
  windowEndsAt: number | null;
  reason?: string;
}

export interface SlotDecision {
  id: string;
  /** null: the slot's default content. */
  variant: string | null;
  /** The decision came after the slot's deadline, so the default stayed. */
  late: boolean;
}

export interface DecisionDetail { slots: SlotDecision[] }
export interface ReportDetail {
  status: number; bytes: number; attempts: number; delivered: boolean;
  /** Given up: its deadline passed, or `withdrawn`. */
  dropped?: boolean;
  /** `aggregate` was withdrawn before an attempt: the report was not sent (again). */
  withdrawn?: boolean;
}
export interface ErrorDetail { reason: string; message: string; event?: TrackEvent }

export interface TactfulEventMap {
  'tactful:decision': CustomEvent<DecisionDetail>;
  'tactful:consent': CustomEvent<ConsentState>;
  'tactful:report': CustomEvent<ReportDetail>;
  'tactful:error': CustomEvent<ErrorDetail>;
}

export interface Tactful {
  readonly version: string;
  /** Resolves (never rejects) once slots are decided, or the page fell back to defaults. */
  readonly ready: Promise<ReadyStatus>;
  /** Fire-and-forget. */
  track(event: TrackEvent): void;
  /** The queue's verb, still working after load: entries as in TactfulQueue. */
  push(...entries: TactfulQueue): void;
  explain(slotId: string): Promise<Explanation>;
  /** Closes the reporting window now; its report is sent, after a short random delay, only if consent allows. */
  flush(): Promise<FlushResult>;
  notNow(slotId: string): Promise<void>;
  /** A component's shadow root: the slots in it, now and later, are decided as the document's. */
  observe(root: ShadowRoot): Promise<void>;
  profile: {
    /** With no argument (or null) it declares nothing and resolves to the view. */
    declare(declaration?: Declaration | null): Promise<ProfileView>;
    view(): Promise<ProfileView>;
    export(): Promise<ProfileExport>;
    remove(id: string): Promise<{ removed: string }>;
    forget(): Promise<{ forgotten: true }>;
  };
  consent: {
    get(): Promise<ConsentState>;
    /** Grants apply only during a user gesture (e.g. in a click handler); withdrawals always apply. */
    set(change?: ConsentChange | null): Promise<ConsentState>;
  };
  panel: { open(): Promise<unknown> };
}

/** Calls queued before the module loaded: [method, ...args] or events. */
export type TactfulQueue = Array<[string, ...unknown[]] | TrackEvent>;

export interface InitOptions {
  /** URL of the site config (JSON). */
  config: string;
  /** URL of the folder serving dist/ (the module fetches tactful.wasm, tactful-launcher.css, tactful-panel.* from it). Default '/tactful/'. */
  assets?: string;
  /** The page's Content-Security-Policy nonce, given to the panel script and the stylesheets the module adds. */
  nonce?: string;
}

/** Starts the module (once per page) and returns window.tactful. */
export function init(options: InitOptions): Tactful;

declare global {
  interface Window {
    tactful: Tactful;
  }
  interface DocumentEventMap extends TactfulEventMap {}
}
