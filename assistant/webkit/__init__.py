"""The web kit every set of browser pages shares (customer pages, helper portal, consoles).

A page set names its templates, static files, sign-in cookie and addresses
(:class:`~assistant.webkit.pageset.PageSet`) and calls
:func:`~assistant.webkit.install.install_page_set`; the kit gives it:

- the large-text GOV.UK-style layout ``kit/base.html`` (skip link, header with the help link
  and read aloud, sign out, flash and error summary, footer with the bank's number), the form
  macros ``kit/_macros.html`` and the error page ``kit/problem.html``, after its own templates
  in a ``ChoiceLoader`` (:func:`~assistant.webkit.pageset.make_environment`);
- the stylesheet and script (text sizes, high contrast, read aloud, error summary focus),
  served once at ``/static/kit`` and versioned by content, and its own static files;
- the words per request from the Babel catalogue (:mod:`~assistant.webkit.i18n`, never
  installed on the shared environment) and the page that renders with them
  (:class:`~assistant.webkit.rendering.KitPage`);
- server-side sessions of its own with a CSRF token (:mod:`~assistant.webkit.sessions`, the
  table in :mod:`~assistant.webkit.models`), the cookie and the sign-in and CSRF checks
  (:mod:`~assistant.webkit.page`);
- the security headers with a strict Content Security Policy (:mod:`~assistant.webkit.security`)
  and kind answers for its paths: the sign-in redirect, the CSRF 403 page, 404 and other errors.

It knows no channel and no page: each set of pages builds its own on it.
"""
