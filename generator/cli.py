"""The ``buurtkaart`` command: parses options and calls one library function per command.

Each command imports the stages it uses when it runs (``--help`` or ``validate`` need neither
the poster nor the map), so starting the command stays quick: keep module-level imports here
to click, the options and the errors.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator.errors import BuurtkaartError, MapError
from generator.i18n import LANGUAGES, N_, _, ngettext, use_language
from generator.options import (
    BASEMAP_KINDS,
    PAPER_SIZES,
    PRINT_TILE_SIZES,
    SESSION_MINUTES,
    PackOptions,
    options_from_environment,
    tile_keys,
)

if TYPE_CHECKING:
    from generator.pack import BatchReport

INCOMPLETE = 3  # exit code: packs written, but without a base map or some addresses

WORKBOOKS = click.argument(
    "workbooks", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=True)
)
TEMPLATES = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help=N_("Folder with edited templates (see 'buurtkaart templates export')."),
)


class ClickProgress:
    """A click progress bar on stderr, safe to advance from staticmap's worker threads."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._lock = threading.Lock()

    def start(self, label: str, total: int) -> None:
        self.finish()
        self._bar = click.progressbar(length=total, label=label, file=sys.stderr)
        self._bar.__enter__()

    def advance(self, amount: int = 1) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.update(amount)

    def finish(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.__exit__(None, None, None)
                self._bar = None

    def warn(self, message: str) -> None:
        with self._lock:
            if self._bar is not None and not self._bar.hidden:
                click.echo(err=True)  # leave the bar's line before writing below it
            click.echo(_("Warning: {message}").format(message=message), err=True)


def _without_lock_files(paths: tuple[Path, ...]) -> list[Path]:
    """The workbooks named, without the lock files Excel keeps beside open ones (a '*.xlsx'
    pattern matches them too)."""
    from generator.workbook import lockfile

    workbooks = []
    for path in paths:
        if lockfile.is_lock_file(path):
            click.echo(
                _("Note: {file}: skipped; {reason}").format(
                    file=path, reason=lockfile.what_it_is(path)
                ),
                err=True,
            )
        else:
            workbooks.append(path)
    if not workbooks:
        raise BuurtkaartError(_("no workbook to read; name the .xlsx files themselves"))
    return workbooks


def _workbooks(count: int) -> str:
    return ngettext("{count} workbook", "{count} workbooks", count).format(count=count)


def _packs(count: int) -> str:
    return ngettext("{count} pack", "{count} packs", count).format(count=count)


def _checked_tile_template(
    context: click.Context, parameter: click.Parameter, template: str | None
) -> str | None:
    """A malformed --tiles template is a usage error, found before any workbook is read."""
    from generator.map.maptiles import parse_tile_template

    if template is not None:
        try:
            parse_tile_template(template, tile_keys(template))
        except MapError as exc:
            raise click.BadParameter(exc.format_message(), context, parameter) from exc
    return template


class _Buurtkaart(click.Group):
    """The top-level command: it chooses the language before reading anything else, so that
    click's own messages and every --help text are in it too."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if parent is None:
            use_language(_requested_language(args))
            _translate_help(self)
        return super().make_context(info_name, args, parent, **extra)


def _requested_language(args: list[str]) -> str | None:
    """The value of --lang among the top-level options (click checks it again when parsing)."""
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.removeprefix("--lang=")
        if not arg.startswith("-"):
            break  # the command's name: what follows is the command's own
    return None


# The English help of each command and option, kept to translate again in another language
# (the tests run many commands in one process).
_HELP_MSGIDS: dict[tuple[int, str], str | None] = {}


def _translate_help(command: click.Command) -> None:
    """--help texts are written once, when this module is imported, and marked with N_: they
    are translated here, in the language chosen for this run."""
    owners: list[click.Command | click.Parameter] = [command, *command.params]
    for owner in owners:
        for attribute in ("help", "short_help", "epilog"):
            if hasattr(owner, attribute):
                msgid = _HELP_MSGIDS.setdefault((id(owner), attribute), getattr(owner, attribute))
                setattr(owner, attribute, _(msgid) if msgid else msgid)
    if hasattr(command, "_help_option"):
        # click keeps the --help option it made, with its help in that run's language.
        command._help_option = None
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _translate_help(subcommand)


def _speak_through_click() -> None:
    """click writes its own words ("Usage:", "Error:", "Missing argument") through the stdlib's
    gettext functions, imported into each of its modules: give it ours, which use the language
    and catalogue chosen here (the catalogue holds click's messages too)."""
    import gettext

    for module in list(sys.modules.values()):
        if module is None or not module.__name__.startswith("click."):
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = ngettext  # type: ignore[attr-defined]


_speak_through_click()


@click.group(
    cls=_Buurtkaart,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_(
        """Prepare the session pack for the kaartoefening of the fiche 'Buurtgericht werken'.

    Teams fill in an Excel workbook; buurtkaart turns it into a wall map of the
    neighbourhood and worksheets for the session.

    \b
    Example:
      buurtkaart init team.xlsx
      buurtkaart generate input/voorbeeld.xlsx --out output
      buurtkaart --lang en validate team.xlsx
    """
    ),
)
@click.version_option(
    package_name="buurtkaart", prog_name="buurtkaart", help=N_("Show the version and exit.")
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES, case_sensitive=False),
    default=None,
    help=N_(
        "Language of the messages: nl (Dutch) or en (English). "
        "[default: BUURTKAART_LANG, else the system's language if Dutch or English, else nl]"
    ),
)
def main(lang: str | None) -> None:
    # The language was chosen in _Buurtkaart.make_context, before click read the arguments.
    del lang


@main.command(
    help=N_(
        """Write the Excel workbook that a team fills in.

    \b
    Example:
      buurtkaart init teams/buurthuis.xlsx
      buurtkaart init input/voorbeeld.xlsx --example --force
    """
    )
)
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--example", is_flag=True, help=N_("Fill the workbook with a fictional example team.")
)
@click.option("--force", is_flag=True, help=N_("Replace PATH if it already exists."))
@TEMPLATES
def init(path: Path, example: bool, force: bool, templates_dir: Path | None) -> None:
    from generator.resources import Templates
    from generator.workbook import write_workbook

    write_workbook(path, example=example, force=force, templates=Templates(templates_dir))
    click.echo(_("Wrote {file}").format(file=path), err=True)


@main.command(
    help=N_(
        """Check workbooks and list every problem with its sheet and cell.

    Exits 0 when all are valid and 1 when any has a problem.

    \b
    Example:
      buurtkaart validate input/*.xlsx
    """
    )
)
@WORKBOOKS
@TEMPLATES
def validate(workbooks: tuple[Path, ...], templates_dir: Path | None) -> None:
    from generator.resources import Templates
    from generator.validation import validate_workbooks
    from generator.workbook.spec import load_spec

    readable = _without_lock_files(workbooks)
    teams, problems = validate_workbooks(readable, load_spec(Templates(templates_dir)))
    for workbook in readable:
        if workbook in teams:
            team = teams[workbook]
            partners, streets, actions = (
                len(team.partners),
                len(team.participants),
                len(team.actions),
            )
            click.echo(
                _("{workbook}: valid ({partners}, {streets}, {actions})").format(
                    workbook=workbook,
                    partners=ngettext("{count} partner", "{count} partners", partners).format(
                        count=partners
                    ),
                    streets=ngettext("{count} street", "{count} streets", streets).format(
                        count=streets
                    ),
                    actions=ngettext("{count} action", "{count} actions", actions).format(
                        count=actions
                    ),
                ),
                err=True,
            )
            if team.previous_stickers:
                count = len(team.previous_stickers)
                click.echo(
                    ngettext(
                        "{workbook}: {count} sticker of an earlier session, for the next kaart",
                        "{workbook}: {count} stickers of earlier sessions, for the next kaart",
                        count,
                    ).format(workbook=workbook, count=count),
                    err=True,
                )
            for warning in team.warnings:
                click.echo(_("Warning: {message}").format(message=warning), err=True)
        for problem in problems.get(workbook, []):
            click.echo(str(problem), err=True)
    if problems:
        raise BuurtkaartError(
            ngettext(
                "{failed} of {workbooks} has problems",
                "{failed} of {workbooks} have problems",
                len(problems),
            ).format(failed=len(problems), workbooks=_workbooks(len(readable)))
        )


@main.command(
    help=N_(
        """Validate workbooks and write a session pack for each valid one.

    Each pack goes to OUT/<organisation-site>/ and replaces an earlier pack of the same
    organisation and site only once it is complete. One bad workbook never stops the others.

    \b
    Exit codes:
      0  every pack written, complete
      1  a workbook has problems or a pack could not be written
      2  a usage error (an unknown option, a missing argument)
      3  every pack written, but some without a base map, with addresses not placed,
         or with a map cut short by its time budget

    \b
    Environment:
      BUURTKAART_OVERPASS_URL  Overpass API for the map data instead of overpass-api.de
      BUURTKAART_TILE_URL      tile server (XYZ template) instead of OpenStreetMap
      BUURTKAART_GEOCODER_URL  Nominatim-compatible geocoder instead of Nominatim
      BUURTKAART_CACHE_DIR     cache folder for tiles and addresses
      BUURTKAART_CONTACT       your e-mail, sent in the User-Agent as the servers ask
      BUURTKAART_SOFFICE       LibreOffice's soffice for the worksheets as PDF (none: no PDFs)
      BUURTKAART_LANG          nl or en: the language of the messages, as --lang

    \b
    Setting one for this window:
      PowerShell:     $env:BUURTKAART_CONTACT = "naam@organisatie.be"
      cmd:            set BUURTKAART_CONTACT=naam@organisatie.be
      macOS, Linux:   export BUURTKAART_CONTACT="naam@organisatie.be"

    \b
    Example:
      buurtkaart generate input/voorbeeld.xlsx
      buurtkaart generate teams/*.xlsx --out packs --poster-size A2 --print-tiles A4
    """
    )
)
@WORKBOOKS
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("output"),
    show_default=True,
    help=N_("Folder that receives one pack folder per workbook."),
)
@click.option(
    "--poster-size",
    "paper",
    type=click.Choice(PAPER_SIZES, case_sensitive=False),
    default="A1",
    show_default=True,
    help=N_("Paper size of the wall poster."),
)
@click.option("--landscape", is_flag=True, help=N_("Print the poster in landscape."))
@click.option(
    "--print-tiles",
    type=click.Choice(PRINT_TILE_SIZES, case_sensitive=False),
    default=None,
    help=N_("Also split the poster over office sheets of this size, to glue together."),
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help=N_("Streets with fewer participants are merged into their postcode in every file."),
)
@click.option(
    "--session-minutes",
    type=click.Choice([str(minutes) for minutes in SESSION_MINUTES]),
    default=str(PackOptions.session_minutes),
    show_default=True,
    help=N_("Length of the session the draaiboek plans, in minutes."),
)
@click.option(
    "--tiles",
    "tile_url",
    envvar="BUURTKAART_TILE_URL",
    default=None,
    callback=_checked_tile_template,
    help=N_(
        "XYZ tile URL template, e.g. https://tile.example/{z}/{x}/{y}{r}.png "
        "[env: BUURTKAART_TILE_URL; default: OpenStreetMap]"
    ),
)
@click.option(
    "--basemap",
    type=click.Choice(BASEMAP_KINDS, case_sensitive=False),
    default=None,
    help=N_(
        "vector: streets, water and buildings drawn from OpenStreetMap data, with street "
        "names sized for the wall; tiles: the raster map tiles of --tiles. "
        "[default: tiles when a tile server is named, else vector]"
    ),
)
@click.option(
    "--osm-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help=N_(
        "An OpenStreetMap extract (.osm.pbf or .osm) to draw the map from, instead of "
        "asking the Overpass API; read once for a whole batch."
    ),
)
@click.option("--offline", is_flag=True, help=N_("Use cached map data, tiles and addresses only."))
@click.option("--low-ink", is_flag=True, help=N_("Fade the base map so stickers stand out."))
@TEMPLATES
def generate(
    workbooks: tuple[Path, ...],
    out_dir: Path,
    paper: str,
    landscape: bool,
    print_tiles: str | None,
    min_count: int,
    session_minutes: str,
    tile_url: str | None,
    basemap: str | None,
    osm_file: Path | None,
    offline: bool,
    low_ink: bool,
    templates_dir: Path | None,
) -> None:
    from generator.pack import generate_packs

    options = options_from_environment(
        templates_dir=templates_dir,
        tile_url=tile_url,
        offline=offline,
        paper=paper.upper(),
        landscape=landscape,
        min_count=min_count,
        session_minutes=int(session_minutes),
        print_tiles=print_tiles.upper() if print_tiles else None,
        low_ink=low_ink,
        # Naming a tile server is asking for its tiles; otherwise the map is drawn from data.
        basemap=basemap.lower() if basemap else ("tiles" if tile_url else "vector"),
        osm_file=osm_file,
    )
    readable = _without_lock_files(workbooks)
    report = generate_packs(readable, out_dir, options, progress=ClickProgress())
    _report(report, readable)


@main.command(
    help=N_(
        """Open the page that makes packs in the browser, served from this computer only.

    Prints the page's address as the first line on stdout. Uploaded workbooks and packs
    stay in a private temporary folder that is removed when the server stops (Ctrl-C).

    \b
    Example:
      buurtkaart serve
      python -m generator serve --port 8765 --no-browser
    """
    )
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help=N_("Port to listen on  [default: a free one]"),
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help=N_("Address to listen on; anything but this computer lets others on the network in."),
)
@click.option("--no-browser", is_flag=True, help=N_("Do not open the page in the browser."))
@click.option(
    "--osm-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help=N_("An OpenStreetMap extract (.osm.pbf or .osm) for every pack the page makes."),
)
@TEMPLATES
def serve(
    port: int, host: str, no_browser: bool, osm_file: Path | None, templates_dir: Path | None
) -> None:
    # Imported here: Flask is loaded only when the page is asked for.
    import webbrowser

    from generator.web.server import WebServer, is_loopback

    if not is_loopback(host):
        click.echo(
            _(
                "Warning: listening on {host}: anyone who can reach this computer on the "
                "network can open the page and see the teams' workbooks"
            ).format(host=host),
            err=True,
        )
    base = PackOptions(templates_dir=templates_dir, osm_file=osm_file)
    with WebServer(host, port, base) as server:
        click.echo(server.url)
        if not no_browser:
            webbrowser.open(server.url)
        click.echo(_("Serving the page; press Ctrl-C to stop."), err=True)
        server.serve_until_stopped()


@main.command(
    help=N_(
        """Read phone photos of a worked poster back as data: the dot stickers the group put
on the map, by colour and place.

PACK_DIR is the pack folder generate made for the poster; each PHOTO is a JPEG or PNG of that
poster on the wall (at most 50 megapixels), the whole map in view, its four corner markers
and its QR code included. Several photos of one poster are merged. The results go to
PACK_DIR/resultaat/ (a later scan to resultaat/scan-2/ and so on): stickers.csv,
stickers.geojson and controle-N.png, the check image of photo N.

\b
Exit codes: 0 done; 1 the pack cannot be read or the results not written; 2 wrong usage;
3 a photo was refused (not a photo, too large, no poster, too few markers, or another
poster than the pack's): nothing is written, take the photo again.

\b
Example:
  buurtkaart scan output/buurthuis-de-oever-vzw-vestiging-dampoort IMG_0412.jpg
  buurtkaart scan output/buurthuis-de-oever IMG_0412.jpg IMG_0413.jpg --workbook team.xlsx"""
    )
)
@click.argument("pack_dir", type=click.Path(path_type=Path, file_okay=False))
@click.argument(
    "photos", nargs=-1, required=True, metavar="PHOTO...", type=click.Path(path_type=Path)
)
@click.option(
    "--workbook",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help=N_("Also write a copy of this workbook with the stickers on a sheet 'Kaartoefening'."),
)
@TEMPLATES
def scan(
    pack_dir: Path, photos: tuple[Path, ...], workbook: Path | None, templates_dir: Path | None
) -> None:
    from generator.resources import Templates
    from generator.scan import scan_pack, summary

    report = scan_pack(
        pack_dir,
        list(photos),
        workbook=workbook,
        templates=Templates(templates_dir),
        progress=ClickProgress(),
    )
    for note in report.photos:
        click.echo(
            ngettext(
                "{photo}: {markers} of 4 markers, {stickers} sticker; check {control}",
                "{photo}: {markers} of 4 markers, {stickers} stickers; check {control}",
                note.stickers,
            ).format(
                photo=note.photo,
                markers=note.markers,
                stickers=note.stickers,
                control=note.control,
            ),
            err=True,
        )
    click.echo(summary(report), err=True)


@main.group(
    help=N_(
        """Edit the wording and house style of workbooks, posters and worksheets.

    \b
    Example:
      buurtkaart templates export mijn-sjablonen
      buurtkaart generate input/voorbeeld.xlsx --templates mijn-sjablonen
    """
    )
)
def templates() -> None:
    """The group of commands on template files; each does its own work."""


@templates.command(
    "export",
    help=N_(
        """Copy the default templates to TARGET for editing.

    \b
    Example:
      buurtkaart templates export mijn-sjablonen
    """
    ),
)
@click.argument("target", type=click.Path(path_type=Path, file_okay=False))
@click.option("--force", is_flag=True, help=N_("Overwrite files already in TARGET."))
def export(target: Path, force: bool) -> None:
    from generator.resources import export_templates

    written = export_templates(target, force=force)
    click.echo(
        ngettext(
            "Wrote {count} template file to {folder}",
            "Wrote {count} template files to {folder}",
            len(written),
        ).format(count=len(written), folder=target),
        err=True,
    )


def _report(report: BatchReport, order: list[Path]) -> None:
    """Problems and failures first, then one line per pack written: the run's last lines say
    what each pack is and what it lacks."""
    total = len(order)
    for problems in report.problems.values():
        for problem in problems:
            click.echo(str(problem), err=True)
    for workbook, message in report.failures.items():
        click.echo(f"{workbook}: {message}", err=True)
    for workbook, folder in sorted(report.made.items(), key=lambda made: order.index(made[0])):
        missing = report.lacking.get(workbook)
        written = (
            _("{workbook}: pack written to {folder}, but incomplete: {missing}")
            if missing
            else _("{workbook}: pack written to {folder}")
        )
        click.echo(
            written.format(workbook=workbook, folder=folder, missing=", ".join(missing or [])),
            err=True,
        )
    if report.failed:
        failed = ngettext(
            "{failed} of {workbooks} failed; {packs} written",
            "{failed} of {workbooks} failed; {packs} written",
            len(report.failed),
        )
        if report.incomplete:
            failed = ngettext(
                "{failed} of {workbooks} failed; {packs} written, {incomplete} incomplete",
                "{failed} of {workbooks} failed; {packs} written, {incomplete} incomplete",
                len(report.failed),
            )
        raise BuurtkaartError(
            failed.format(
                failed=len(report.failed),
                workbooks=_workbooks(total),
                packs=_packs(len(report.made)),
                incomplete=len(report.incomplete),
            )
        )
    if report.incomplete:
        click.echo(
            _(
                "{incomplete} of {packs} written incomplete; see the warnings above, then run "
                "again once the servers can be reached"
            ).format(incomplete=len(report.incomplete), packs=_packs(len(report.made))),
            err=True,
        )
        click.get_current_context().exit(INCOMPLETE)
