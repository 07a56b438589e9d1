import type { RequestHandler } from 'express';

/**
 * The demo page's Content-Security-Policy: its own scripts, styles and stream only.
 * `style-src 'unsafe-inline'` because Lit falls back to `<style>` tags where constructable
 * stylesheets are missing.
 */
export const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Security headers for the demo and static files. Not for `/events`: a stream needs none of
 * them, and the fewer headers a proxy sees there the better. `crossOrigin` marks files any
 * page may load (the element bundles).
 */
export function securityHeaders({ crossOrigin = false } = {}): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', DEMO_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Resource-Policy', crossOrigin ? 'cross-origin' : 'same-origin');
    next();
  };
}
