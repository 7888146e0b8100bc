"""The console's pages, one module per area; `router` gathers them."""

from fastapi import APIRouter

from fleet.console.routes import alerts, certificates, configuration, login, terminals, usage

router = APIRouter()
for _module in (login, terminals, alerts, usage, configuration, certificates):
    router.include_router(_module.router)
