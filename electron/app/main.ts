import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, session, shell } from 'electron';
import {
  isEmptyLaunchRequest,
  launchRequestToAdditionalData,
  mergeLaunchRequests,
  openFileRequest,
  parseLaunchArgs,
  routeSecondInstance,
  type LaunchRequest,
} from '../core/shell/launch-args.js';
import { LaunchBatcher } from '../core/shell/launch-batcher.js';
import { desktopAppCommand, runShellIntegration } from '../core/shell/shell-integration.js';
import { buildMenuTemplate, FORMAT_DOCS } from './app-menu.js';
import { appProtocolHandler } from './app-protocol.js';
import { AppServices } from './app-services.js';
import { APP_HOST, APP_SCHEME, isAppUrl, registerIpcHandlers } from './ipc.js';
import { MEDIA_SCHEME, MediaRegistry } from './media-protocol.js';
import { loadWindowState, MIN_HEIGHT, MIN_WIDTH, saveWindowState } from './window-state.js';

/**
 * The Electron shell, kept thin: a secure window, the app:// and coffer-media:// protocols,
 * ipcMain wired to AppServices (which holds everything testable), files from the OS, and a
 * clean quit. Nothing else imports 'electron'.
 */
const distRoot = fileURLToPath(new URL('../../', import.meta.url));
const rendererRoot = join(distRoot, 'renderer');
const preloadPath = join(distRoot, 'preload.cjs');
const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;
/** The only places the app itself links to; anything else a page asks to open is refused. */
/** Public key files as get-publickey --out and "Save my public key" name them. */
const PUBLIC_KEY_FILTER = { name: 'Coffer public key', extensions: ['coffer-public-key', 'json'] };
const EXTERNAL_ALLOWLIST = new Set(['github.com', 'docs.aws.amazon.com']);

// The same vault folder the CLI uses: $COFFER_HOME when set, else Electron's userData.
if (process.env.COFFER_HOME) app.setPath('userData', process.env.COFFER_HOME);

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
]);

const launchOptions = { platform: process.platform, isPackaged: app.isPackaged };
let pending: LaunchRequest = parseLaunchArgs(process.argv, { ...launchOptions, cwd: process.cwd() });
let services: AppServices | undefined;
let mainWindow: BrowserWindow | null = null;
let rendererReady = false;
let quitting = false;

// Files from the OS (several launches for one multi-selection) gather into one batch.
const launches = new LaunchBatcher((request) => {
  if (services && rendererReady) services.acceptLaunch(request);
  else pending = mergeLaunchRequests(pending, request);
});

function deliver(request: LaunchRequest): void {
  if (isEmptyLaunchRequest(request)) return;
  launches.add(request);
}

function openExternalIfVetted(url: string): void {
  try {
    const parsed = new URL(url);
    // Only https URLs whose host is on the fixed allowlist above reach openExternal.
    if (parsed.protocol === 'https:' && EXTERNAL_ALLOWLIST.has(parsed.hostname))
      void shell.openExternal(parsed.toString()); /* eng-disable OPEN_EXTERNAL_JS_CHECK -- allowlisted https only */
  } catch {
    // not a URL: nothing to open
  }
}

function buildMenu(): Menu {
  return Menu.buildFromTemplate(
    buildMenuTemplate(process.platform, {
      send: (command) => mainWindow?.webContents.send('menu:command', { command }),
      openFormatDocs: () => openExternalIfVetted(FORMAT_DOCS),
    }),
  );
}

async function createWindow(): Promise<BrowserWindow> {
  const statePath = join(app.getPath('userData'), 'window-state.json');
  const state = await loadWindowState(statePath);
  const window = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: 'Coffer',
    webPreferences: {
      // The preload is the bundled bridge of shared/ipc-contract.ts: known channels only, no ipcRenderer exposed.
      preload: preloadPath /* eng-disable PRELOAD_JS_CHECK -- reviewed contract bridge */,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
      // Middle-click would otherwise open links in new windows, bypassing the navigation guard.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => {
    void saveWindowState(statePath, { ...window.getNormalBounds(), maximized: window.isMaximized() });
  });
  window.on('closed', () => {
    mainWindow = null;
    rendererReady = false;
  });
  window.webContents.on('did-finish-load', () => {
    // A page (re)loaded holds no handles: the ones granted to the page before it are void.
    services?.files.revokeAll();
    rendererReady = true;
    const request = pending;
    pending = { encrypt: [], decrypt: [] };
    launches.add(request);
    launches.release();
  });
  await window.loadURL(APP_URL);
  return window;
}

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      openExternalIfVetted(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  services = await AppServices.start({
    vaultDir: app.getPath('userData'),
    version: app.getVersion(),
    platform: process.platform,
    createMedia: (unwrap) => new MediaRegistry(unwrap),
    send: (event, payload) => mainWindow?.webContents.send(event, payload),
    // The dialogs are how files reach main: what they return is granted a handle (granted-files.ts).
    choosePaths: async (kind) => {
      const properties: ('openFile' | 'openDirectory' | 'multiSelections')[] =
        kind === 'file' ? ['openFile'] : [kind === 'folder' ? 'openDirectory' : 'openFile', 'multiSelections'];
      const result = mainWindow
        ? await dialog.showOpenDialog(mainWindow, { properties })
        : await dialog.showOpenDialog({ properties });
      return result.canceled ? [] : result.filePaths;
    },
    chooseSavePath: async (suggestedName) => {
      const options = {
        defaultPath: join(app.getPath('documents'), suggestedName),
        properties: ['showOverwriteConfirmation' as const],
      };
      const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    revealPath: (path) => shell.showItemInFolder(path),
    publicKeyFileDialogs: {
      open: async () => {
        const options = {
          title: 'Add a contact from a public key file',
          properties: ['openFile' as const],
          filters: [PUBLIC_KEY_FILTER, { name: 'All files', extensions: ['*'] }],
        };
        const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
      save: async (suggestedName) => {
        const options = { title: 'Save my public key', defaultPath: suggestedName, filters: [PUBLIC_KEY_FILTER] };
        const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
        return result.canceled || !result.filePath ? null : result.filePath;
      },
    },
    shellIntegration: (action) =>
      runShellIntegration(action, {
        platform: process.platform,
        command: desktopAppCommand(process.execPath, app.isPackaged, app.getAppPath()),
      }),
  });
  const media = services.media;
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererRoot));
  protocol.handle(MEDIA_SCHEME, (request) => media.handle(request));
  registerIpcHandlers(ipcMain, services.handlers);

  services.jobs.on('progress', (p) => mainWindow?.setProgressBar(p.overall_total > 0 ? p.overall_done / p.overall_total : 2));
  services.jobs.on('finished', ({ results, cancelled }) => {
    mainWindow?.setProgressBar(-1);
    if (mainWindow?.isFocused() || !Notification.isSupported()) return;
    const failed = results.filter((r) => r.status === 'error').length;
    const done = results.filter((r) => r.status === 'ok').length;
    new Notification({
      title: cancelled ? 'Coffer: cancelled' : failed > 0 ? 'Coffer: finished with errors' : 'Coffer: done',
      body: `${done} file(s) done${failed > 0 ? `, ${failed} failed` : ''}.`,
    }).show();
  });

  Menu.setApplicationMenu(buildMenu());
  mainWindow = await createWindow();
  app.on('activate', () => {
    if (!mainWindow) void createWindow().then((w) => (mainWindow = w));
  });
}

if (!app.requestSingleInstanceLock(launchRequestToAdditionalData(pending))) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory, additionalData) => {
    deliver(routeSecondInstance(argv, workingDirectory, additionalData, launchOptions));
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  // macOS sends files (double-click, "Open With") through open-file, possibly before ready.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    deliver(openFileRequest(path));
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // A clean quit: cancel running jobs and let them remove their temporary files first.
  app.on('before-quit', (event) => {
    if (quitting || !services) return;
    event.preventDefault();
    quitting = true;
    void services.close().finally(() => app.quit());
  });
  void app.whenReady().then(start);
}
