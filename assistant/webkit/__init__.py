"""The web kit every set of browser pages shares (customer pages, helper portal, consoles).

Server-side sessions with a CSRF token (:mod:`~assistant.webkit.sessions`, its table in
:mod:`~assistant.webkit.models`), the session cookie and the sign-in and CSRF checks
(:mod:`~assistant.webkit.page`), and the security headers with a strict Content Security Policy
(:mod:`~assistant.webkit.security`). It knows no channel and no page: each set of pages
builds its own on it.
"""
