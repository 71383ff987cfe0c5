"""Public display page per commune, for street displays and kiosks: ``/display/{commune}``.

Large type readable at a distance, one alert per block, colour by severity. The page
polls ``/display/{commune}.json`` every 30 s; when the network drops it keeps the last
state on screen and says since when the connection is lost ("connexion perdue depuis
HH:MM"), so a kiosk never goes blank. Its head links the commune's Atom feed of alerts
(``rel="alternate"``) for relays that discover feeds from a page.
"""

import html
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from healthycity.alerts.delivery.display import alerts_in_force
from healthycity.alerts.feed import territory_feed_path
from healthycity.api.deps import DbConn
from healthycity.errors import NotFoundError
from healthycity.territory import store

router = APIRouter(include_in_schema=False)
POLL_S = 30


@router.get("/display/{commune}.json", name="display_state")
def display_state(commune: str, conn: DbConn) -> dict[str, Any]:
    """The alerts in force over the commune, for the display's poll."""
    territory = store.get_territory(conn, "commune", commune)
    now = datetime.now(UTC)
    return {
        "commune": {"code": territory.code, "name": territory.name},
        "generated_at": now.isoformat(),
        "alerts": alerts_in_force(conn, commune, now=now),
    }


@router.get("/display/{commune}", response_class=HTMLResponse)
def display_page(commune: str, conn: DbConn) -> HTMLResponse:
    """The page itself: its script fills it from the JSON endpoint."""
    try:
        territory = store.get_territory(conn, "commune", commune)
    except NotFoundError:
        return HTMLResponse("<!doctype html><title>Commune inconnue</title>", status_code=404)
    name = html.escape(territory.name)
    code = html.escape(territory.code)
    feed = html.escape(territory_feed_path("commune", territory.code))
    return HTMLResponse(f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Alertes sanitaires — {name}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/display.css">
<link rel="alternate" type="application/atom+xml" href="{feed}"
      title="Alertes sanitaires en cours – {name} (flux Atom)">
</head>
<body data-state-url="/display/{code}.json" data-poll-s="{POLL_S}">
<header><h1>Alertes sanitaires — {name}</h1><p id="clock"></p></header>
<main id="alerts" aria-live="polite"><p class="calm">Chargement…</p></main>
<p id="offline" role="status" hidden></p>
<script src="/static/display.js"></script>
</body>
</html>""")
