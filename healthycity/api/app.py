"""The application factory: one FastAPI app with every domain's router and the web pages."""

from fastapi import FastAPI

from healthycity import __version__
from healthycity.api.problems import install_problem_handlers
from healthycity.api.tokens import router as tokens_router
from healthycity.config import Settings
from healthycity.dashboard.views import mount_dashboard
from healthycity.logs import configure_logging
from healthycity.storage.engine import make_engine
from healthycity.territory.api import router as territory_router

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when not given)."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="healthycity",
        version=__version__,
        description="Plateforme numérique de santé du territoire — API ouverte.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=f"{API_PREFIX}/redoc",
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database)
    install_problem_handlers(app)
    app.include_router(territory_router, prefix=API_PREFIX)
    app.include_router(tokens_router, prefix=API_PREFIX)
    mount_dashboard(app)
    return app
