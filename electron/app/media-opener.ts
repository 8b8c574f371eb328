import type { HeaderLimits } from '../core/envelope/header-reader.js';

/** Serves decrypted ranges of files opened for preview (the media protocol). */
export interface MediaOpener {
  /** `limits`: the app's Settings (the EDKs a header may hold). */
  open(path: string, limits?: HeaderLimits): Promise<{ url: string; mimeType: string; size: number }>;
  handle(request: Request): Promise<Response>;
  closeAll(): Promise<void>;
}
