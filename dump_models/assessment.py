"""An update's risk, as the run and each pull request see it (docs/risk.md).

The models retiring (from each provider's new listing), the repository's files that name a
model at risk (the in-use search), the verdict, and what they add to the reports: the blocks
around the Markdown report, the JSON report's keys and the Action's outputs. The run judges
its own reports; a pull request's text judges the reports of what the pull request contains
(``change_report``), so that each pull request's verdict, label and auto-merge are its own.
Both share one :class:`RiskContext`, whose in-use search looks for each model once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import DEFAULT_SERVER_URL, Settings
from .errors import DumpModelsError
from .git import Git, GitError
from .json_values import MISSING, lookup
from .lifecycle import DEFAULT_RETIRING_WITHIN_DAYS, Retiring, render_retiring, retiring
from .normalize import mapping_for
from .providers import ProviderSpec
from .records import records_of
from .results import ProviderReport
from .risk import Verdict, assess, render_verdict
from .risk_policy import Level, RiskPolicy
from .usage import Hit, find_usage, render_in_use, watched_models
from .whole_ids import Model

DATED_STATUSES = ("changed", "new", "unchanged")  # the listing is the provider's now
# The blocks' share of a PR body (report.render_markdown keeps it within 60,000 characters)
# and of a job summary (1 MiB of UTF-8: at most 4 bytes a character).
PULL_REQUEST_BLOCKS_CHARS = 20_000
SUMMARY_BLOCKS_CHARS = 200_000
# (reasons, retiring rows, places a model, models in use) shown, tried in this order until
# the blocks fit their share.
_SHOWN = ((50, 100, 10, 50), (20, 30, 5, 20), (5, 10, 2, 5))
_CUT = "\u2026 (cut to fit; the job summary and the JSON report have it all)"


def utc_today() -> dt.date:
    """Today in UTC: the day a retirement date is counted from."""
    return dt.datetime.now(dt.timezone.utc).date()


def date_paths(provider: str) -> tuple[tuple[str, ...], ...]:
    """The raw paths ``provider``'s mapping reads a ``deprecation_date`` from, split into keys
    (none: no model of it has a date, and its listing need not be read for dates)."""
    feeding = mapping_for(provider).feeding
    return tuple(tuple(p.split(".")) for p, names in feeding.items() if "deprecation_date" in names)


def has_dates(provider: str) -> bool:
    """Whether ``provider``'s mapping reads a ``deprecation_date`` at all."""
    return bool(date_paths(provider))


def _dated(models: Sequence[object], paths: tuple[tuple[str, ...], ...]) -> list[object]:
    """The models with a value at any of ``paths``: only they can have a date (the records
    of the others, a whole normalization each, are never needed)."""
    return [
        model
        for model in models
        if isinstance(model, dict)
        and any(lookup(model, keys) not in (MISSING, None) for keys in paths)
    ]


@dataclass(frozen=True)
class Links:
    """Where the in-use places are shown: ``{server}/{repository}/blob/{commit}/...``; no
    ``repository``: named, not linked."""

    commit: str
    server_url: str = DEFAULT_SERVER_URL
    repository: str | None = None


class UsageSearch:
    """The in-use search of one repository at one commit, each model looked for once (a run
    and the pull requests it opens ask about the same models)."""

    def __init__(
        self, repo: Path, commit: str, paths: Sequence[str], exclude: Sequence[str]
    ) -> None:
        self.repo, self.commit = repo, commit
        self._paths, self._exclude = tuple(paths), tuple(exclude)
        self._searched: set[Model] = set()
        self._found: dict[Model, list[Hit]] = {}

    @classmethod
    def at(cls, workspace: Path, output_dir: Path, paths: Sequence[str]) -> UsageSearch:
        """The search of the repository ``workspace`` is in, at its HEAD commit, leaving out
        the output directory (the dumps name every model). Raises :class:`DumpModelsError`
        (exit 1) when there is no repository or no commit."""
        git = Git(workspace)
        try:
            top = git.toplevel()
        except GitError:
            raise DumpModelsError(
                f"usage search: {workspace} is not in a git repository", exit_code=1
            ) from None
        commit = git.head_commit()
        if commit is None:
            raise DumpModelsError("usage search: the repository has no commit yet", exit_code=1)
        try:
            exclude = [output_dir.resolve().relative_to(top.resolve()).as_posix()]
        except ValueError:
            exclude = []
        return cls(top, commit, paths, [path for path in exclude if path != "."])

    def hits(self, models: Iterable[Model]) -> dict[Model, list[Hit]]:
        """The places naming each of ``models`` (those named nowhere left out); raises
        :class:`DumpModelsError` (exit 1) when git fails."""
        wanted = list(dict.fromkeys(models))
        new = [model for model in wanted if model not in self._searched]
        if new:
            found = find_usage(self.repo, self.commit, self._paths, new, exclude=self._exclude)
            self._searched.update(new)
            self._found.update(found)
        return {model: self._found[model] for model in wanted if model in self._found}


@dataclass(frozen=True)
class Assessment:
    """An update judged: the verdict, the models retiring, the models at risk and where the
    repository names them."""

    verdict: Verdict
    retiring: tuple[Retiring, ...] = ()
    watched: Mapping[Model, tuple[str, ...]] = field(default_factory=dict)
    in_use: Mapping[Model, Sequence[Hit]] = field(default_factory=dict)
    links: Links | None = None

    @property
    def level(self) -> Level | None:
        """``low`` or ``high``; None when no listing changed (nothing to judge)."""
        return self.verdict.level if self.verdict.changed else None

    def outputs(self) -> dict[str, str]:
        """The Action's outputs ``risk`` and ``risk-reasons``."""
        return self.verdict.outputs()

    def add_to_json(self, data: dict) -> dict:
        """The machine report ``data`` (``report.report_json``) with the top-level ``risk``,
        ``retiring`` and ``in_use``, and each provider's ``risk`` (None: not judged)."""
        data["risk"] = self.verdict.to_json()
        data["retiring"] = [item.to_json() for item in self.retiring]
        data["in_use"] = [
            {
                "provider": provider,
                "model": model,
                "why": list(self.watched.get((provider, model), ())),
                "places": [{"path": hit.path, "line": hit.line} for hit in hits],
            }
            for (provider, model), hits in sorted(self.in_use.items())
            if hits
        ]
        for name, entry in data.get("providers", {}).items():
            judged = self.verdict.providers.get(name)
            entry["risk"] = judged.to_json() if judged is not None else None
        return data

    def blocks(self, max_chars: int, *, everything: bool = False) -> tuple[list[str], list[str]]:
        """(opening, closing): the verdict, then the Retiring and In use sections, within
        ``max_chars`` characters together (fewer items shown until they fit). With
        ``everything``, every item when that fits."""
        steps = list(_SHOWN)
        if everything:
            most = max(len(self.verdict.reasons), len(self.retiring), len(self.in_use), 1)
            places = max((len(hits) for hits in self.in_use.values()), default=1)
            steps.insert(0, (most, most, places, most))
        opening: list[str] = []
        closing: list[str] = []
        for reasons, rows, places, models in steps:
            opening = render_verdict(self.verdict, limit=reasons)
            closing = render_retiring(self.retiring, limit=rows) + self._in_use_lines(
                places, models
            )
            if _chars(opening) + _chars(closing) <= max_chars:
                return opening, closing
        return _whole_lines(opening, closing, max_chars)

    def _in_use_lines(self, places: int, models: int) -> list[str]:
        if self.links is None:
            return []
        return render_in_use(
            self.in_use,
            self.watched,
            server_url=self.links.server_url,
            repository=self.links.repository,
            commit=self.links.commit,
            places=places,
            limit=models,
        )


def _chars(lines: Sequence[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _whole_lines(
    opening: list[str], closing: list[str], max_chars: int
) -> tuple[list[str], list[str]]:
    """Whole lines of the opening, then of the closing, while they fit with a line saying
    the rest was cut (a single line can be longer than any share: a hostile model id)."""
    room = max_chars - len(_CUT) - 2
    kept: tuple[list[str], list[str]] = ([], [])
    for part, lines in enumerate((opening, closing)):
        for line in lines:
            if len(line) + 1 > room:
                kept[part].extend([_CUT, ""])
                return kept
            kept[part].append(line)
            room -= len(line) + 1
    return kept


@dataclass
class RiskContext:
    """What judging an update needs, made once per run (``from_settings``): the policy, the
    lifecycle's horizon, today, and the in-use search (opened on first use; a failure is
    one warning, then the update is judged without places)."""

    policy: RiskPolicy = field(default_factory=RiskPolicy)
    within_days: int = DEFAULT_RETIRING_WITHIN_DAYS
    today: dt.date = field(default_factory=utc_today)
    usage_paths: tuple[str, ...] = ()
    workspace: Path | None = None  # the repository to search (None: no search)
    output_dir: Path | None = None
    server_url: str = DEFAULT_SERVER_URL
    repository: str | None = None
    warn: Callable[[str], None] = print
    _search: UsageSearch | None = field(default=None, init=False, repr=False)
    _search_failed: bool = field(default=False, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, warn: Callable[[str], None]) -> RiskContext:
        """The context of a run or publish with ``settings`` (``config.Settings``)."""
        return cls(
            policy=settings.risk,
            within_days=settings.lifecycle.retiring_within_days,
            usage_paths=settings.usage.paths,
            workspace=settings.workspace,
            output_dir=settings.output_dir,
            server_url=settings.server_url,
            repository=settings.repository,
            warn=warn,
        )

    def retiring_of(
        self, report: ProviderReport, spec: ProviderSpec, models: Sequence[object] | None
    ) -> list[Retiring]:
        """One provider's models retiring, from its report and its new listing's ``models``
        (read into records here, then dropped: only what retires is kept)."""
        paths = date_paths(spec.name)
        if report.status not in DATED_STATUSES or models is None or not paths:
            return []
        records = records_of(
            spec.name,
            _dated(models, paths),
            id_field=spec.id_field,
            ignore_fields=spec.volatile_fields,
        )
        return retiring([report], records.values(), today=self.today, within_days=self.within_days)

    def assess(
        self, reports: Sequence[ProviderReport], retiring_items: Iterable[Retiring]
    ) -> Assessment:
        """Judge ``reports`` (with the models retiring in them): the watched models are
        looked for in the repository when ``usage.paths`` is set."""
        items = tuple(sorted(retiring_items, key=lambda r: (r.date, r.provider, r.model)))
        watched = watched_models(reports, items)
        search = self._usage_search() if watched else None
        in_use: dict[Model, list[Hit]] = {}
        if search is not None:
            try:
                in_use = search.hits(watched)
            except DumpModelsError as exc:
                self._failed(exc)
                search = None
        verdict = assess(reports, self.policy, in_use=in_use)
        links = None
        if search is not None:
            links = Links(search.commit, self.server_url, self.repository)
        return Assessment(verdict, items, watched, in_use, links)

    def _usage_search(self) -> UsageSearch | None:
        if self._search is not None or self._search_failed:
            return self._search
        if not self.usage_paths or self.workspace is None or self.output_dir is None:
            return None
        try:
            self._search = UsageSearch.at(self.workspace, self.output_dir, self.usage_paths)
        except DumpModelsError as exc:
            self._failed(exc)
        return self._search

    def _failed(self, exc: DumpModelsError) -> None:
        self._search_failed, self._search = True, None
        self.warn(f"{exc}; the update is judged without the places that name its models")
