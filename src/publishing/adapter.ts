// The contract every publishing platform implements. Adapters are called from activities;
// each must make a repeated publish with the same idempotency key yield the same post.
export const PLATFORMS = ['webhook', 'wordpress', 'feed'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface AiDisclosure {
  generated: true;
  /** Model and prompt version that produced or rewrote the text. */
  model: string;
  promptVersion: string;
  /** The sentence shown to readers, e.g. "This article was drafted with AI assistance (model …)." */
  notice: string;
}

export interface PublishRequest {
  tenantId: string;
  contentId: string;
  revision: number;
  title: string;
  /** Plain text or light Markdown; adapters render what their platform needs. */
  body: string;
  locale: string;
  /** Stable per (tenant, content, platform): the platform must not create a second post for it. */
  idempotencyKey: string;
  /** Present when the LLM drafted or rewrote the text; every platform receives it. */
  aiDisclosure?: AiDisclosure;
}

export interface PublishedPost {
  /** The platform's own id of the post. */
  externalId: string;
  url?: string;
}

export interface PostMetrics {
  views: number;
  clicks: number;
  likes: number;
  shares: number;
  comments: number;
}

export interface PublishingAdapter {
  readonly platform: Platform;
  publish(request: PublishRequest): Promise<PublishedPost>;
  /** Current engagement of a published post. */
  metrics(post: PublishedPost & { contentId: string; tenantId: string }): Promise<PostMetrics>;
}
