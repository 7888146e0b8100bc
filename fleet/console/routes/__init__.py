"""The console's pages, one module per area; `router` gathers them."""

from fastapi import APIRouter

from fleet.console.routes import alerts, login, terminals

router = APIRouter()
for _module in (login, terminals, alerts):
    router.include_router(_module.router)
