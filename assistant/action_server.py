"""The action server: rasa-sdk's action executor behind a shared secret, on localhost only.

Run as ``python -m assistant.action_server`` (``assistant up`` does). rasa-sdk's own server
(``python -m rasa_sdk``) answers anyone who can reach its port, allows every CORS origin and
echoes the request, tracker and all, in its 500 bodies. This one serves the same two routes
(``POST /webhook`` for Rasa's action calls, ``GET /health``, plus ``GET /actions``) with three
differences:

- every request must carry the shared secret in the ``X-Action-Token`` header (compared with
  ``hmac.compare_digest``); without it the answer is 403 with an empty body, whatever the path;
- errors are answered with an empty body (a rejected action gets ``{"action_name": ...}``, the
  one field Rasa reads to let another policy take over, naming our own action);
- there is no CORS at all, so no browser page can call it.

The secret comes from the environment (``ASSISTANT_ACTION_TOKEN``, else the random local one in
``home``); Rasa sends it from ``action_endpoint.headers`` in the endpoints file, which names the
variable instead of holding the value.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import types
import zlib
from typing import List, Optional, Union

from rasa_sdk import utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.context import hand_texts_to
from assistant.rasa_env import ACTION_TOKEN_HEADER
from assistant.settings import get_settings
from assistant.worker.wiring import build_worker

logger = logging.getLogger(__name__)

APP_NAME = "kindly_actions"


def _empty(status: int) -> HTTPResponse:
    return HTTPResponse(b"", status=status, content_type="text/plain; charset=utf-8")


class EmptyErrorHandler(ErrorHandler):
    """Every error is its status code and nothing else: no message, no echo of the request."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", None)
        if not isinstance(exception, SanicException) or not isinstance(status, int):
            status = 500
        if status >= 500:
            # The traceback names the failing code; the request (the tracker) is not logged.
            where = f"{request.method} {request.path}" if request is not None else "?"
            logger.error("action server error on %s", where, exc_info=exception)
        return _empty(status)


def create_app(
    token: str,
    actions: Union[str, types.ModuleType] = "actions",
    name: str = APP_NAME,
) -> Sanic:
    """The action server's Sanic app for the actions in ``actions`` (a package or module)."""
    if not token:
        raise ValueError("the action server needs a shared secret")
    expected = token.encode()
    app = Sanic(name, configure_logging=False, error_handler=EmptyErrorHandler())
    executor = ActionExecutor()
    executor.register_package(actions)

    @app.middleware("request")
    async def require_secret(request: Request) -> Optional[HTTPResponse]:
        given = request.headers.get(ACTION_TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), expected):
            return _empty(403)
        return None

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/actions")
    async def list_actions(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        if request.headers.get("Content-Encoding") == "deflate":
            try:
                action_call = json.loads(zlib.decompress(request.body))
            except (zlib.error, ValueError):
                return _empty(400)
        else:
            action_call = request.json
        if not isinstance(action_call, dict):
            return _empty(400)
        utils.check_version_compatibility(action_call.get("version"))
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as rejection:
            logger.debug("action %s rejected", rejection.action_name)
            # Rasa reads action_name from a 400 to let another policy predict instead.
            return response.json({"action_name": rejection.action_name}, status=400)
        except ActionNotFoundException:
            logger.error("no action called %r", action_call.get("next_action"))
            return _empty(404)
        return response.json(result)

    return app


def _arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m assistant.action_server",
        description="Run the custom actions for Rasa on localhost, behind the shared secret.",
    )
    parser.add_argument("--actions", default="actions", help="package of the actions")
    parser.add_argument("--port", type=int, default=settings.action_port, help="TCP port")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = _arguments(argv)
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(settings.action_token(), args.actions)
    # A text an action writes (an invitation's code) is handed to the worker at once.
    hand_texts_to(build_worker(settings).deliver_soon)
    logger.info("action server on http://%s:%s", settings.action_host, args.port)
    app.run(
        settings.action_host,
        args.port,
        workers=utils.number_of_sanic_workers(),
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
