// Runs Doyensec's Electronegativity over the Electron shell and fails on any finding that is not
// suppressed inline with a reason (`/* eng-disable CHECK_NAME -- why */`). The tool itself exits 0
// even with findings, so this reads the report it writes: SARIF, because its CSV writer races two
// unawaited writes (the header can truncate the findings), and only once the file is complete.
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const require = createRequire(import.meta.url);
const run = require('@doyensec/electronegativity/dist/runner.js');
const root = process.cwd();
// COFFER_SCAN_SOURCES (folders, separated by the path delimiter) lets the gate's own test scan a fixture.
const sources = process.env.COFFER_SCAN_SOURCES
  ? process.env.COFFER_SCAN_SOURCES.split(delimiter)
  : [join(root, 'electron', 'app'), join(root, 'renderer')];

// The shell's sources and the renderer's page (where the CSP meta tag is), gathered in one folder.
const out = await mkdtemp(join(tmpdir(), 'coffer-eng-'));
const target = join(out, 'src');
await mkdir(target);
const unexplained = [];
for (const dir of sources) {
  for (const name of await readdir(dir)) {
    if (!/\.(ts|js|html)$/.test(name)) continue;
    await copyFile(join(dir, name), join(target, name));
    // Every inline suppression must say why: "-- reason" in it, or a comment on the line above
    // (HTML suppressions cannot hold a reason of their own).
    const lines = (await readFile(join(dir, name), 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (!line.includes('eng-disable')) return;
      const explained = /eng-disable[^\n]*--\s*\w/.test(line) || /^\s*(\/\/|\/\*|<!--)/.test(lines[i - 1] ?? '');
      if (!explained) unexplained.push(`${name}:${i + 1}: "${line.trim()}" gives no reason`);
    });
  }
}

const report = join(out, 'electronegativity.sarif');
const log = console.log;
console.log = () => undefined; // the runner prints a banner and tables; the CSV is what counts
try {
  await run(
    {
      input: target,
      output: report,
      isSarif: true,
      customScan: [],
      // Needs the network to list Electron releases; the version is pinned in package.json instead.
      excludeFromScan: ['availablesecurityfixesglobalcheck'],
      severitySet: undefined,
      confidenceSet: undefined,
      isRelative: true,
      isVerbose: false,
      electronUpgrade: undefined,
      electronVersionOverride: '45.5.0',
      parserPlugins: [],
    },
    false,
  );
} finally {
  console.log = log;
}
// The tool does not await its own write: wait until the report is there and whole.
let sarif;
for (let attempt = 0; attempt < 200 && sarif === undefined; attempt += 1) {
  try {
    sarif = JSON.parse(await readFile(report, 'utf8'));
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
await rm(out, { recursive: true, force: true });
if (sarif === undefined) {
  console.error('Electronegativity wrote no report: the scan did not complete.');
  process.exit(1);
}
const findings = (sarif.runs?.[0]?.results ?? []).map((r) => {
  const where = r.locations?.[0]?.physicalLocation;
  return `${r.ruleId} ${where?.artifactLocation?.uri ?? ''}:${where?.region?.startLine ?? ''} ${r.message?.text ?? ''}`;
});
for (const line of findings) console.error(`finding: ${line}`);
for (const line of unexplained) console.error(`suppression without a reason: ${line}`);
if (findings.length > 0 || unexplained.length > 0) {
  console.error(
    `Electronegativity: ${findings.length} finding(s), ${unexplained.length} unexplained suppression(s) in electron/app and renderer.`,
  );
  process.exit(1);
}
console.log('Electronegativity: no findings in electron/app and renderer.');
