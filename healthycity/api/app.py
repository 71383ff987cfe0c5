"""The application factory: one FastAPI app with every domain's router and the web pages."""

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from healthycity import __version__
from healthycity.alerts.api import router as alerts_router
from healthycity.alerts.delivery.api import router as delivery_router
from healthycity.alerts.feed_api import feed_router as alerts_feed_router
from healthycity.api.problems import install_problem_handlers
from healthycity.api.tokens import router as tokens_router
from healthycity.care_access.api import router as care_access_router
from healthycity.care_access.apl_api import router as apl_router
from healthycity.care_access.finder_api import router as care_finder_router
from healthycity.config import Settings
from healthycity.dashboard.views import mount_dashboard
from healthycity.environment.api import router as environment_router
from healthycity.environment.indices_api import heat_table, pollen_table
from healthycity.environment.indices_api import router as environment_indices_router
from healthycity.environment.ngsi_ld_api import router as ngsi_ld_router
from healthycity.environment.pollen_api import router as pollen_index_router
from healthycity.logs import configure_logging
from healthycity.storage.engine import make_engine
from healthycity.territory.api import router as territory_router

API_PREFIX = "/api/v1"
SWAGGER_UI = "/static/vendor/swagger-ui"  # npm swagger-ui-dist, copied by `make install`


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when not given)."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="healthycity",
        version=__version__,
        description="Plateforme numérique de santé du territoire — API ouverte.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # FastAPI's pages load Swagger UI and ReDoc from CDNs: see _add_docs
        redoc_url=None,
    )
    heat_table(settings.heat_thresholds_file)  # a bad table stops the start, with its error
    pollen_table(settings.pollen_thresholds_file)
    app.state.settings = settings
    app.state.engine = make_engine(settings.database)
    install_problem_handlers(app)
    app.include_router(territory_router, prefix=API_PREFIX)
    app.include_router(tokens_router, prefix=API_PREFIX)
    app.include_router(care_access_router, prefix=API_PREFIX)
    app.include_router(apl_router, prefix=API_PREFIX)
    app.include_router(care_finder_router, prefix=API_PREFIX)
    app.include_router(delivery_router, prefix=API_PREFIX)
    app.include_router(alerts_router, prefix=API_PREFIX)
    app.include_router(alerts_feed_router)
    app.include_router(environment_router, prefix=API_PREFIX)
    app.include_router(ngsi_ld_router)  # /ngsi-ld/v1, the path FIWARE agents expect
    app.include_router(environment_indices_router, prefix=API_PREFIX)
    app.include_router(pollen_index_router, prefix=API_PREFIX)
    mount_dashboard(app)
    _add_docs(app)
    return app


def _add_docs(app: FastAPI) -> None:
    """The interactive API documentation, from the Swagger UI files the setup vendors."""

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{API_PREFIX}/openapi.json",
            title="healthycity — API",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
        )
