"""What a set of pages tells the kit about itself, and the Jinja environment the kit makes for it.

A :class:`PageSet` names its templates folder, static folder, sign-in cookie and addresses; the
kit's layout (``kit/base.html``), form macros (``kit/_macros.html``) and error page
(``kit/problem.html``) come after the page set's own templates in the loader, and the kit's
large-text stylesheet and script (``web.css``, ``web.js``) are served once, at
:data:`KIT_STATIC_URL`, for every page set.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Tuple

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from assistant.settings import Settings
from assistant.webkit.i18n import Catalogues
from assistant.webkit.sessions import WebSessionStore

KIT = Path(__file__).resolve().parent
KIT_TEMPLATES = KIT / "templates"
KIT_STATIC = KIT / "static"
STATIC_ROOT = "/static"
KIT_STATIC_URL = f"{STATIC_ROOT}/kit"


@dataclass(frozen=True)
class PageSet:
    """A set of browser pages built on the kit (the customer pages, the helper portal, ...).

    ``name`` tags its sessions (a session of one page set is never valid for another) and
    names its static files' address (``/static/<name>``); ``owns`` says which request paths
    are its pages (they get the security headers and its error pages).
    """

    name: str
    templates: Path
    cookie_name: str
    owns: Callable[[str], bool]
    static: Optional[Path] = None
    stylesheets: Tuple[str, ...] = ()
    home_url: str = "/"
    help_url: str = "/help"
    sign_in_url: str = "/sign-in"
    sign_out_url: str = "/sign-out"

    @property
    def static_url(self) -> str:
        return f"{STATIC_ROOT}/{self.name}"

    def asset_folders(self) -> Tuple[Tuple[Path, str], ...]:
        """Where its static files are looked up: its own folder first, then the kit's."""
        own = ((self.static, self.static_url),) if self.static is not None else ()
        return (*own, (KIT_STATIC, KIT_STATIC_URL))

    def environment(self) -> Environment:
        """Its Jinja environment: its own templates, then the kit's."""
        return make_environment([self.templates], Assets(self.asset_folders()))


class Assets:
    """Static files' URLs, versioned by their content (so caches never serve an old one); a name
    is looked up in each (folder, URL) in turn, the first holding it wins."""

    def __init__(self, folders: Sequence[Tuple[Path, str]]) -> None:
        self._folders = [(Path(folder), url) for folder, url in folders]
        self._urls: Dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, name: str) -> str:
        with self._lock:
            if name not in self._urls:
                self._urls[name] = self._versioned(name)
            return self._urls[name]

    def _versioned(self, name: str) -> str:
        for folder, url in self._folders:
            path = folder / name
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                return f"{url}/{name}?v={digest}"
        raise LookupError(f"no static file {name!r}")


def make_environment(folders: Sequence[Path], assets: Optional[Assets] = None) -> Environment:
    """Jinja for a page set: its template ``folders`` first, then the kit's, through a
    ``ChoiceLoader``; autoescape on for every template (all user and assistant text is escaped)
    and the i18n extension: text only inside ``{% trans %}`` or ``_()``, in the catalogue.

    No translations are installed here: each render passes its own language's ``gettext``
    (:meth:`~assistant.webkit.i18n.Words.context`), so the shared environment holds no
    per-request state.
    """
    environment = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader([str(folder) for folder in folders]), FileSystemLoader(KIT_TEMPLATES)]
        ),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.newstyle_gettext = True  # type: ignore[attr-defined]
    environment.policies["ext.i18n.trimmed"] = True
    environment.globals.update(asset=assets or Assets(((KIT_STATIC, KIT_STATIC_URL),)))
    return environment


@dataclass
class PageKit:
    """What one page set's pages use from the kit at run time (kept on ``app.state``)."""

    page_set: PageSet
    settings: Settings
    sessions: WebSessionStore
    templates: Environment
    catalogues: Catalogues = field(default_factory=Catalogues)
