/**
 * The sandbox's HTML: the consent page (Approve / Deny forms posting back, a user picker), the
 * error page for requests that must not redirect, and the auto-submitting form of
 * `response_mode=form_post` (Apple).
 */
import type { FastifyReply } from 'fastify';
import type { OAuthProviderEntry } from '../../oauth/types.js';
import { escapeHtml as h } from './wire.js';

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title>` +
  '<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}code{background:#eee;padding:0 .2rem}</style>' +
  `</head><body>${body}</body></html>`;

export interface ConsentView {
  entry: OAuthProviderEntry;
  requestId: string;
  /** The path the forms post to (the authorize path as requested). */
  action: string;
  scopes: string[];
  users: string[];
}

/** Approve and Deny as two forms posting `decision` back to the authorize path. */
export function consentPage(reply: FastifyReply, v: ConsentView): FastifyReply {
  const users = v.users.map((u, i) => `<label><input type="radio" name="user" value="${i}"${i === 0 ? ' checked' : ''}> ${h(u)}</label><br>`).join('');
  const scopes = v.scopes.length > 0 ? `<ul>${v.scopes.map((s) => `<li><code>${h(s)}</code></li>`).join('')}</ul>` : '<p>No scopes requested.</p>';
  const body =
    `<h1>${h(v.entry.name)} (sandbox)</h1><p>An application asks to access your account with these scopes:</p>${scopes}` +
    `<form method="post" action="${h(v.action)}" id="approve"><input type="hidden" name="request" value="${h(v.requestId)}">` +
    `<input type="hidden" name="decision" value="approve"><fieldset><legend>Sign in as</legend>${users}</fieldset>` +
    '<button type="submit">Approve</button></form>' +
    `<form method="post" action="${h(v.action)}" id="deny"><input type="hidden" name="request" value="${h(v.requestId)}">` +
    '<input type="hidden" name="decision" value="deny"><button type="submit">Deny</button></form>';
  return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(`${v.entry.name}: authorize`, body));
}

/** A 400 page: the request cannot be answered with a redirect. */
export function errorPage(reply: FastifyReply, entry: OAuthProviderEntry, message: string): FastifyReply {
  return reply.code(400).type('text/html; charset=utf-8').send(page(`${entry.name}: error`, `<h1>${h(entry.name)} (sandbox): error</h1><p id="error">${h(message)}</p>`));
}

/** `response_mode=form_post`: a form that posts the answer to the redirect URI on load. */
export function formPostPage(reply: FastifyReply, redirectUri: string, params: Record<string, string | undefined>): FastifyReply {
  const fields = Object.entries(params)
    .filter((kv): kv is [string, string] => kv[1] !== undefined)
    .map(([k, v]) => `<input type="hidden" name="${h(k)}" value="${h(v)}">`)
    .join('');
  const body = `<form method="post" action="${h(redirectUri)}">${fields}<noscript><button type="submit">Continue</button></noscript></form><script>document.forms[0].submit()</script>`;
  return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page('Continue', body));
}
