"""Every table the app keeps, registered on the shared declarative base (``assistant.db.Base``).

The core's tables live in :mod:`assistant.models` and :mod:`assistant.messaging.models`; a table
only one channel uses lives beside that channel's store (:mod:`voice.models`, the web kit's
sessions in :mod:`assistant.webkit.models`). The core never imports a channel, so this module,
part of the app assembly (beside ``assistant.gateway.app`` and the CLI), is what brings them all
together: Alembic's environment, ``assistant migrate`` and the tests read
:data:`metadata` from here.
"""

from __future__ import annotations

import assistant.messaging.models  # noqa: F401
import assistant.models  # noqa: F401
import assistant.webkit.models  # noqa: F401
import assistant.worker.models  # noqa: F401
import family.links.models  # noqa: F401
import fraud.models  # noqa: F401
import voice.models  # noqa: F401
from assistant.db import Base

metadata = Base.metadata
