/**
 * Which commands the agent runs when a script sends them whole: the file commands, whose start-up
 * (a process, its workers) the agent exists to save. Anything else, help included, and any
 * command given --no-agent, the script's own process runs.
 */
const AGENT_COMMANDS = new Set(['encrypt-file', 'decrypt-file', 'verify-file']);
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--vault', '--passphrase-file']);
const STAY_HERE = new Set(['--no-agent', '--help', '-h', '--version', '-V']);

/** The command's name: the first argument that is neither a global option nor its value. */
export function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i += 1;
    else if (!arg.startsWith('-')) return arg;
    else if (!arg.includes('=')) return undefined;
  }
  return undefined;
}

export function agentRunsArgv(argv: readonly string[]): boolean {
  const name = commandName(argv);
  return name !== undefined && AGENT_COMMANDS.has(name) && !argv.some((arg) => STAY_HERE.has(arg));
}
