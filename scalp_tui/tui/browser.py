"""The console in a browser: textual-serve runs `scalp-tui attach` for each browser
session, so every tab is a client of the one running engine and none starts another.

textual-serve itself lets in anyone who reaches its port, and 127.0.0.1 is reachable
by every user of the machine. So the page asks for a key made for this run (in the
URL printed to the trader) and hands the browser a cookie the console's websocket
must bring: another user who finds the port gets 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web
from textual_serve.server import Server

COOKIE = "scalp_tui_key"
HOST = "127.0.0.1"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ConsoleServer(Server):
    def __init__(self, command: str, port: int, key: str, say: Callable[[str], None]) -> None:
        super().__init__(command, host=HOST, port=port, title="scalp_tui")
        self.key = key
        self.say = say

    @property
    def url(self) -> str:
        return f"{self.public_url}/?key={self.key}"

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/static/"):
            return await handler(request)  # the page's scripts and fonts: nothing of ours
        if request.path == "/" and self._matches(request.query.get("key", "")):
            response = await handler(request)
            response.set_cookie(COOKIE, self.key, httponly=True, samesite="Strict")
            return response
        if self._matches(request.cookies.get(COOKIE, "")):
            return await handler(request)
        raise web.HTTPForbidden(text="open the URL scalp-tui serve printed (it holds the key)\n")

    def _matches(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.key.encode())

    async def on_startup(self, app: web.Application) -> None:
        self.say(f"serving the console at {self.url}")
        self.say("each browser tab attaches to the running engine; Ctrl+C stops serving only")
