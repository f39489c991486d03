"""The `workingup` command: this module only registers; every command lives in `workingup.commands`.

Every command reads the database URL from WORKINGUP_DATABASE_URL (or --database). Errors a user can fix are
printed as one line naming the problem and exit with status 1; a traceback means a bug (docs/architecture.md §6).
Everything is registered before `if __name__ == "__main__"`, so `python -m workingup.cli` and the installed
`workingup` script list the same commands.
"""

from __future__ import annotations

import typer

from workingup.commands.agenda import commit, endorse_app, recommend_app, report, track_app
from workingup.commands.analyze import analyze
from workingup.commands.facilitator import facilitator_app
from workingup.commands.listening import listen_app, themes_app
from workingup.commands.polis import export_polis_command, import_polis_command
from workingup.commands.serve import serve
from workingup.commands.setup import demo, init
from workingup.commands.stats import stats
from workingup.commands.voting import voting_app

app = typer.Typer(
    name="workingup",
    help="Working Up: run a convergence dialogue for action, from a balanced table's votes to a tracked agenda.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Setting up and looking around.
app.command()(init)
app.command()(demo)
app.add_typer(facilitator_app, name="facilitator")
app.command("import-polis")(import_polis_command)
app.command("export-polis")(export_polis_command)
app.command()(stats)
app.command("analyze")(analyze)
app.command()(serve)
app.add_typer(voting_app, name="voting")
# Listening sessions and themes.
app.add_typer(listen_app, name="listen")
app.add_typer(themes_app, name="themes")
# From consensus to action: recommendations, endorsement, report, tracking.
app.add_typer(recommend_app, name="recommend")
app.add_typer(endorse_app, name="endorse")
app.command("report")(report)
app.command("commit")(commit)
app.add_typer(track_app, name="track")


if __name__ == "__main__":  # pragma: no cover
    app()
