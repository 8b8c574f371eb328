/** Hex (as the data-key operations answer) to standard Base64; throws on anything but hex. */
export function hexToBase64(hex: string): string {
  const clean = hex.trim();
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new Error('This is not hex: an even number of the digits 0-9 and a-f is expected.');
  }
  let binary = '';
  for (let i = 0; i < clean.length; i += 2) binary += String.fromCharCode(parseInt(clean.slice(i, i + 2), 16));
  return btoa(binary);
}

/** A length field's number, or null when it is not a whole number. */
export function wholeNumber(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : null;
}
