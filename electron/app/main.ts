import { app, BrowserWindow, session } from 'electron';
import { defaultVaultDir } from '../vault/vault-paths.js';

/**
 * The desktop shell's entry. This first version opens one secure window showing where the
 * vault lives; the typed IPC bridge, jobs and the React UI arrive with the shell and UI issues.
 */
function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 960,
    height: 640,
    minWidth: 640,
    minHeight: 420,
    title: 'Coffer',
    webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  const page = `<!doctype html><meta charset="utf-8"><title>Coffer</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<body style="font: 15px system-ui; margin: 3em; color: CanvasText; background: Canvas">
<h1>Coffer</h1><p>Your vault folder: <code>${defaultVaultDir().replace(/[<>&]/g, '')}</code></p>
<p>The desktop screens are on their way. Meanwhile every vault operation works from the <code>coffer</code> command.</p></body>`;
  void window.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(page)}`);
  return window;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
