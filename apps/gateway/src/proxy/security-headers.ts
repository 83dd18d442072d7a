/**
 * The security headers the gateway adds to every response that does not carry its own value of
 * them: the set the OWASP REST Security Cheat Sheet gives for API responses, tightened, plus two
 * that cost nothing to honour. Everything behind the gateway answers JSON (or an event stream),
 * never HTML, so the headers that only steer how a browser renders or isolates a document
 * (helmet's `Cross-Origin-Opener-Policy`, `Origin-Agent-Cluster`, `X-DNS-Prefetch-Control`,
 * `X-Download-Options`, `X-Permitted-Cross-Domain-Policies`, `X-XSS-Protection`) are not sent:
 * they protected nothing here and cost every response its serialisation (decision 0004).
 */
export function securityHeaders(): Array<[string, string]> {
  return [
    // Responses carry personal data and credentials' outcomes: no browser or shared cache keeps
    // them. An upstream that allows caching (the JWKS) says so, and its value wins.
    ['cache-control', 'no-store'],
    // Nothing may be loaded by, or frame, a response (clickjacking, drag-and-drop).
    ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
    ['x-frame-options', 'DENY'],
    // Never read as anything but its declared type.
    ['x-content-type-options', 'nosniff'],
    // Not readable by another site's no-cors requests (<script>, <img>).
    ['cross-origin-resource-policy', 'same-origin'],
    ['referrer-policy', 'no-referrer'],
    // HTTPS only, once a browser has seen it over TLS (ignored over plain HTTP).
    ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ];
}
