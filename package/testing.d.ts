// Types for `tactful/testing`. The Playwright objects are described by the
// few members the helpers use, so both playwright-core's and
// @playwright/test's Page and BrowserContext fit without importing either.
import type { ConsentChange, ConsentState, Declaration, Explanation, ProfileView } from './index.js';

export interface RequestLike {
  url(): string;
  method(): string;
  headers(): Record<string, string>;
  postDataBuffer(): Uint8Array | null;
  frame(): { page(): PageLike };
}

export interface RouteLike {
  request(): RequestLike;
  abort(errorCode?: string): Promise<void>;
  fallback(options?: object): Promise<void>;
  fulfill(options: object): Promise<void>;
  fetch(options?: object): Promise<{ text(): Promise<string>; headers(): Record<string, string> }>;
}

type RouteMatcher = string | RegExp | ((url: URL) => boolean);

export interface RoutableLike {
  route(url: RouteMatcher, handler: (route: any) => any, options?: any): Promise<unknown>;
  addInitScript(script: any, arg?: any): Promise<unknown>;
  on(event: any, listener: (arg: any) => void): unknown;
}

export interface PageLike extends RoutableLike {
  evaluate(fn: any, arg?: any): Promise<any>;
  waitForFunction(fn: any, arg?: any, options?: any): Promise<unknown>;
  locator(selector: string, options?: any): { click(options?: any): Promise<void> };
  isClosed(): boolean;
  url(): string;
}

export interface ContextLike extends RoutableLike {
  pages(): PageLike[];
}

export interface SeedProfile {
  /** Ids viewed `views` times each, or { id: number of views }. */
  interests?: string[] | Record<string, number>;
  likes?: string[];
  dislikes?: string[];
  purchases?: Array<string | { category: string; value?: number; item?: string }>;
  occasions?: Declaration['occasions'];
  location?: Declaration['location'];
}

/** What seedProfile resolves to: the profile view, and the seed's keys not stored because their category is off. */
export type SeededProfile = ProfileView & { skipped: Array<keyof SeedProfile> };

export interface PageDecision {
  id: string;
  variant: string | null;
  decided: 'personalized' | 'default' | 'late' | null;
  /** tactful.explain(id), or { error } when it has none (narrow with `d.explanation.error === undefined`). */
  explanation: (Explanation & { error?: undefined }) | { error: string };
}

export interface Violation {
  kind: 'collector-without-consent' | 'profile-data';
  url: string;
  method: string;
  message: string;
}

export interface NetworkGuard {
  /** As of the pages' profile last read (collector requests, refresh(), assertClean()): refresh() before reading it. */
  readonly violations: Violation[];
  readonly requests: Array<{ url: string; method: string }>;
  refresh(): Promise<void>;
  assertClean(): Promise<void>;
}

export interface ReportCapture {
  readonly reports: Uint8Array[];
  waitForReport(options?: { timeout?: number }): Promise<Uint8Array>;
}

export interface OpenedMetric {
  id: string;
  kind: string;
  mechanism: 'GRR' | 'OUE';
  epsilon: number;
  /** The one label randomized response reported. */
  value?: string;
  /** Labels the (noised) encoding supports. */
  supports: string[];
}

export interface OpenedReport {
  ok: true;
  size: number;
  version: number;
  keyId: string;
  schema: number;
  window: number;
  windowStart: number;
  metrics: OpenedMetric[];
}

export interface KeyPair {
  /** base64 of 32 bytes: the config's reporting.publicKey. */
  publicKey: string;
  /** base64 of 32 bytes. */
  secretKey: string;
}

export function ready(page: PageLike): Promise<{ ok: boolean; reason?: string; message?: string }>;
export function grantConsent(page: PageLike, change?: ConsentChange): Promise<ConsentState>;
export function seedProfile(page: PageLike, seed: SeedProfile, options?: { views?: number }): Promise<SeededProfile>;
export function decisions(page: PageLike): Promise<PageDecision[]>;
export function guardNetwork(target: ContextLike | PageLike, options?: { collector?: string; canaries?: string[] }): Promise<NetworkGuard>;
export function captureReports(target: ContextLike | PageLike, options?: { collector?: string; forward?: boolean }): Promise<ReportCapture>;
export function openReport(bytes: Uint8Array | string, options: { config: object | string; secretKey: string }): Promise<OpenedReport>;
export function testKeyPair(): KeyPair;
export function useConfig(target: ContextLike | PageLike, url: RouteMatcher, change: (config: any) => any): Promise<void>;
export function withTestKey<T extends object>(config: T, keys: KeyPair, options?: { maxDelayMs?: number }): T;
export function pinBucket(target: ContextLike | PageLike, bucketId: string): Promise<void>;
export function slotDeadline(target: ContextLike | PageLike, ms?: number): Promise<void>;
