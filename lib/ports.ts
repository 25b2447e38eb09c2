/**
 * HTTPS (RFC 9110, "https URI Scheme"): interface endpoints answer on it, and the proxies always reach it for
 * themselves (package repositories, AWS APIs), whatever egress.ports says.
 */
export const HTTPS_PORT = 443;
