/**
 * Allowlists of a given length for the scale bench and tests (issue 18): the same names on every run, a quarter of
 * them wildcards (`.wN.example.net`, two DNS Firewall entries each), the rest exact names under another domain, so
 * no wildcard covers an exact name (the schema refuses that).
 */
export function scaleDomains(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i % 4 === 3 ? `.w${i}.example.net` : `h${i}.example.org`));
}
