import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { isSlackUrl } from './slack-hosts.ts';
import type { SharedFile } from '../core/shared-types.ts';
import type { SlackFile } from './schemas.ts';

export type FileDownload =
  | { readonly kind: 'ok'; readonly name: string; readonly contentType: string; readonly data: Buffer }
  | { readonly kind: 'failed'; readonly name: string; readonly reason: 'too_large' | 'unavailable' | 'error' };

/** The files of a message event that are worth keeping: everything but deleted, hidden or external ones. */
export function sharedFiles(files: readonly SlackFile[] | undefined): SharedFile[] {
  return (files ?? []).map((f) => {
    const fetchable = f.mode !== 'tombstone' && f.mode !== 'hidden_by_limit' && f.mode !== 'external' && f.is_external !== true;
    return {
      id: f.id,
      name: f.name ?? f.title ?? f.id,
      mimetype: f.mimetype,
      size: f.size,
      url: fetchable ? (f.url_private_download ?? f.url_private) : undefined,
    };
  });
}

/**
 * Downloads shared files with the bot token. The token only ever goes to Slack: to `slack.com` hosts over https, or
 * to the origin of the configured Web API (a test or regional deployment). A file larger than `maxBytes` is refused
 * before (by its size) or while (by counting) it downloads, and a sign-in page in place of the file counts as a
 * failure (the token lacks `files:read`).
 */
export class SlackFiles {
  readonly #token: string;
  readonly #apiOrigin: string;
  readonly #logger: Logger;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;

  constructor(options: { token: string; apiUrl: string; logger: Logger; maxBytes: number; timeoutMs?: number }) {
    this.#token = options.token;
    this.#apiOrigin = new URL(options.apiUrl).origin;
    this.#logger = options.logger;
    this.#maxBytes = options.maxBytes;
    this.#timeoutMs = options.timeoutMs ?? 20_000;
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  /** Whether the bot token may be sent to `url`. */
  trusts(url: string): boolean {
    return isSlackUrl(url, this.#apiOrigin);
  }

  async download(file: SharedFile): Promise<FileDownload> {
    const failed = (reason: 'too_large' | 'unavailable' | 'error') => ({ kind: 'failed', name: file.name, reason }) as const;
    if (file.size !== undefined && file.size > this.#maxBytes) return failed('too_large');
    if (file.url === undefined || !this.trusts(file.url)) return failed('unavailable');
    const log = this.#logger.child({ fileId: file.id });
    try {
      const res = await fetch(file.url, {
        headers: { authorization: `Bearer ${this.#token}` },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const contentType = res.headers.get('content-type') ?? file.mimetype ?? 'application/octet-stream';
      if (!res.ok || res.body === null) {
        log.warn({ status: res.status }, 'could not download a shared file');
        await res.body?.cancel();
        return failed('unavailable');
      }
      if (/^text\/html/i.test(contentType) && !/html/i.test(file.mimetype ?? '')) {
        log.warn('Slack sent a sign-in page instead of a shared file: does the app have the files:read scope?');
        await res.body.cancel();
        return failed('unavailable');
      }
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > this.#maxBytes) {
        await res.body.cancel();
        return failed('too_large');
      }
      const parts: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += chunk.byteLength;
        if (size > this.#maxBytes) return failed('too_large');
        parts.push(chunk);
      }
      return {
        kind: 'ok',
        name: file.name,
        contentType: file.mimetype ?? contentType.split(';')[0] ?? contentType,
        data: Buffer.concat(parts),
      };
    } catch (error) {
      log.warn({ error: errorCode(error) }, 'could not download a shared file');
      return failed('error');
    }
  }
}
