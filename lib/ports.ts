/**
 * HTTPS (RFC 9110, "https URI Scheme"): interface endpoints answer on it, and the proxies always reach it for
 * themselves (package repositories, AWS APIs), whatever egress.ports says.
 */
export const HTTPS_PORT = 443;

/** HTTP (RFC 9110, "http URI Scheme"): never TLS, so never decrypted; intercepted traffic to it goes to Squid's HTTP listener. */
export const HTTP_PORT = 80;
