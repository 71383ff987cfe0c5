"""``healthycity alerts dispatch`` and ``channel-limit``: run the delivery dispatcher.

Each worker is a thread with its own claim loop; state is in the database, so as many
``healthycity alerts dispatch`` processes as needed can run side by side, on one machine
or several. SIGTERM or Ctrl+C stops after the current batch.
"""

import os
import signal
import socket
import threading
from typing import Annotated

import typer

from healthycity.alerts.delivery.channels.base import create_channels
from healthycity.alerts.delivery.dispatcher import Dispatcher, DispatchPolicy, DispatchReport
from healthycity.alerts.delivery.ratelimit import set_channel_limit
from healthycity.cli._context import get_settings, open_database
from healthycity.cli.output import print_line

app = typer.Typer(help="Alertes sanitaires : diffusion aux abonnés.", no_args_is_help=True)


@app.command()
def dispatch(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="S'arrêter quand plus rien n'est prêt à partir.")
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Nombre de fils d'envoi.")
    ] = 1,
) -> None:
    """Envoyer les notifications de la boîte d'envoi (e-mail, SMS, webhooks)."""
    settings = get_settings(ctx)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    policy = DispatchPolicy(lease_s=settings.delivery_lease_s)
    reports: list[DispatchReport] = []
    with open_database(ctx) as engine:
        channels = create_channels(settings)
        base_id = f"{socket.gethostname()}:{os.getpid()}"

        def work(index: int) -> None:
            dispatcher = Dispatcher(
                engine,
                channels,
                secret_key=settings.secret_key,
                public_url=settings.public_url,
                worker_id=f"{base_id}:{index}",
                policy=policy,
            )
            reports.append(dispatcher.run(stop, once=once))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for channel in channels.values():
            channel.close()
    sent = sum(r.sent for r in reports)
    failed = sum(r.failed for r in reports)
    retried = sum(r.retried for r in reports)
    print_line(f"Envoyés : {sent} ; à réessayer : {retried} ; en échec : {failed}.")


@app.command("channel-limit")
def channel_limit(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="email, sms, webhook…")],
    per_second: Annotated[
        float | None,
        typer.Argument(min=0.001, help="Messages par seconde ; absent : pas de limite."),
    ] = None,
) -> None:
    """Fixer le débit d'un canal, partagé par tous les dispatchers."""
    with open_database(ctx) as engine, engine.begin() as conn:
        set_channel_limit(conn, channel, per_second)
    shown = "sans limite" if per_second is None else f"{per_second:g} message(s)/s"
    print_line(f"Canal {channel} : {shown}.")
