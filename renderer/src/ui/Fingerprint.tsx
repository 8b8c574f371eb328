import { Fragment, type ReactNode } from 'react';

/** "SHA256:" and the rest of a fingerprint in groups of four characters, as people compare them aloud. */
export function fingerprintGroups(fingerprint: string): { prefix: string; groups: string[] } {
  const colon = fingerprint.indexOf(':');
  const prefix = colon >= 0 ? fingerprint.slice(0, colon + 1) : '';
  return { prefix, groups: fingerprint.slice(prefix.length).match(/.{1,4}/gsu) ?? [] };
}

/**
 * A key fingerprint, monospace and grouped: a line may break between groups, never inside one,
 * and the text (copied or read aloud) is the fingerprint exactly, with no added spaces.
 */
export function Fingerprint({ value, id }: { value: string; id?: string }): ReactNode {
  const { prefix, groups } = fingerprintGroups(value);
  return (
    <code className="fingerprint" id={id} data-testid="fingerprint">
      {prefix && <span className="fingerprint-group">{prefix}</span>}
      {groups.map((group, index) => (
        <Fragment key={index}>
          {(index > 0 || prefix) && <wbr />}
          <span className="fingerprint-group">{group}</span>
        </Fragment>
      ))}
    </code>
  );
}
