/**
 * What every OS's right-click integration reports: exactly what it wrote and removed, so
 * `coffer shell install | uninstall | status` and Settings can say it plainly.
 */
export interface ShellIntegrationReport {
  platform: 'linux' | 'win32' | 'darwin';
  installed: boolean;
  written: string[];
  removed: string[];
  /** Anything a person should know (a tool that was missing, a step that was skipped). */
  notes: string[];
}

/** How the OS should start Coffer: the executable and the arguments before the file arguments. */
export interface AppLaunchCommand {
  executable: string;
  args: string[];
}
