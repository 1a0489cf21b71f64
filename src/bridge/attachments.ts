import type { FinAttachment } from '../fin/schemas.ts';
import type { SharedFile } from '../core/shared-types.ts';
import type { FileDownload } from '../slack/files.ts';

/** Fin takes at most this many attachments with one message. */
export const MAX_ATTACHMENTS = 10;

export type SkipReason = 'too_large' | 'unavailable' | 'error' | 'too_many' | 'procedure';

export interface GatheredAttachments {
  readonly attachments: FinAttachment[];
  /** The Slack id of each attachment's file, in the same order. */
  readonly fileIds: string[];
  readonly skipped: readonly { readonly name: string; readonly reason: SkipReason }[];
}

/**
 * The files of a turn's messages as Fin attachments, in the order they were shared: downloaded one at a time (a
 * turn's memory stays bounded by the size cap), at most ten; the others are listed with the reason they were left out.
 */
export async function gatherAttachments(
  files: readonly SharedFile[],
  download: (file: SharedFile) => Promise<FileDownload>,
  options: { procedure: boolean },
): Promise<GatheredAttachments> {
  const attachments: FinAttachment[] = [];
  const fileIds: string[] = [];
  const skipped: { name: string; reason: SkipReason }[] = [];
  for (const file of files) {
    if (options.procedure) {
      skipped.push({ name: file.name, reason: 'procedure' });
      continue;
    }
    if (attachments.length >= MAX_ATTACHMENTS) {
      skipped.push({ name: file.name, reason: 'too_many' });
      continue;
    }
    const result = await download(file);
    if (result.kind === 'ok') {
      attachments.push({ type: 'file', name: result.name, content_type: result.contentType, data: result.data.toString('base64') });
      fileIds.push(file.id);
    } else {
      skipped.push({ name: result.name, reason: result.reason });
    }
  }
  return { attachments, fileIds, skipped };
}
