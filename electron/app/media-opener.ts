/** Serves decrypted ranges of files opened for preview (the media protocol). */
export interface MediaOpener {
  open(path: string): Promise<{ url: string; mimeType: string; size: number }>;
  handle(request: Request): Promise<Response>;
  closeAll(): Promise<void>;
}
