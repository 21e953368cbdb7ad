"""One candidate's run: the worker loop behind :func:`evalkit.engine.run_async`.

Kept apart from :mod:`evalkit.engine` (the public entry points and options) so that each file
reads in one sitting. See the engine's docstring for the decisions (budget, errors, cost).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.config import CACHE_MODES
from evalkit.engine_budget import judge_spending, price_answer, with_usage
from evalkit.engine_drain import current_drain, run_limits
from evalkit.engine_requests import RunRequests
from evalkit.engine_tasks import POOL_MIN_RECORDS, all_or_none
from evalkit.engine_tasks import scorer_processes as _scorer_processes
from evalkit.errors import InputError, RunError
from evalkit.records import RESULTS, SCHEMA_VERSION, Record, Run, RunWriter
from evalkit.runmeta import Counts, environment, load_resume, scorer_entries
from evalkit.scoring import ScoreContext
from evalkit.scoring_pool import ScoringPool

if TYPE_CHECKING:
    from evalkit.config import Candidate
    from evalkit.dataset import Case, EvalSet
    from evalkit.dispatch import Dispatcher
    from evalkit.engine import RunOptions
    from evalkit.progress import Progress
    from evalkit.providers.base import Request
    from evalkit.scoring import Scorer

__all__ = ["POOL_MIN_RECORDS", "CandidateRun", "all_or_none"]


class CandidateRun:
    """Everything one candidate's run needs, set up once; :meth:`execute` runs it."""

    def __init__(
        self,
        eval_set: EvalSet,
        candidate: Candidate,
        scorers: Sequence[Scorer],
        options: RunOptions,
        progress: Progress,
        suite_info: dict[str, Any],
    ) -> None:
        self.eval_set = eval_set
        self.candidate = candidate
        self.scorers = list(scorers)
        self.options = options
        self.progress = progress
        self.suite_info = suite_info
        self.repeats = options.repeats or 1
        self.mode = options.cache_mode or "use"
        if self.mode not in CACHE_MODES:
            raise InputError(
                f"cache mode {self.mode!r} is not one of {list(CACHE_MODES)}; pick one of them"
            )
        if self.repeats < 1:
            raise InputError(f"repeats must be >= 1, got {self.repeats}")
        if options.retry_errors and not options.resume:
            raise InputError(
                "RunOptions(retry_errors=True): retrying errored cases needs the run that has "
                "them; pass resume=True with its out_dir (CLI: --resume RUN_DIR --retry-errors)"
            )
        try:
            self.fingerprint = candidate.fingerprint()
            self.summary = candidate.summary()
        except (OSError, UnicodeDecodeError):
            # A template file that cannot be read (not UTF-8, no permission) would surface as
            # a bare traceback here; the renderer names the file, the candidate and the fix.
            from evalkit.prompt import PromptRenderer

            PromptRenderer(candidate)
            raise
        self.counts = Counts(cache_on=self.mode != "off")
        self.records: list[Record] = []
        self.retry: dict[tuple[str, int], Record] = {}
        """Errored records being retried (``retry_errors``), until their pair's new record."""
        self.retry_stats = {"errored": 0, "retried": 0, "ok": 0, "not_retried": 0}
        self.exhausted = False
        self.stopped: dict[str, str] | None = None
        """Why no new request was sent any more (``by``: ``budget`` or ``provider``), if so."""
        from evalkit.engine_budget import Budget
        from evalkit.pricing import load_prices

        # Prices given in code skip the config's check at load; a bad rate would otherwise
        # surface at the first priced response, aborting the run after paying for it.
        self._prices = load_prices(options.prices, where="RunOptions.prices")
        self.budget = Budget(options.max_cost_usd, self._prices)
        """This session's new spending (candidate and judges) and the ``--max-cost`` cap."""

    # ------------------------------------------------------------------ set-up
    def _run_dir(self) -> Path:
        from evalkit.engine import default_run_dir

        if self.options.out_dir is not None:
            return Path(self.options.out_dir)
        label = self.suite_info.get("suite") or self.eval_set.name
        return default_run_dir(self.options, label, self.candidate.name)

    def _dispatcher(self) -> Dispatcher:
        from evalkit.cache_copy import open_cache
        from evalkit.dispatch import Dispatcher, env_secrets
        from evalkit.providers.base import PROVIDERS, ProviderSettings
        from evalkit.retry import RetryPolicy

        c = self.candidate
        provider = PROVIDERS.get(c.provider)(
            ProviderSettings(
                model=c.model,
                base_url=c.base_url,
                api_key_env=c.api_key_env,
                timeout_s=c.timeout_s,
                options=c.options,
                base_dir=c.base_dir,
            )
        )
        cache = None
        if self.mode != "off" and provider.cacheable:
            folder = Path(self.options.cache_dir or ".evalkit/cache")
            lease = c.timeout_s * (c.max_retries + 1) + 60.0
            cache = open_cache(folder, self.options.cache_copy_to, lease_s=lease)
        return Dispatcher(
            provider,
            provider_name=c.provider,
            limits=run_limits(self.options.concurrency or c.concurrency, c.rpm, c.tpm, c.timeout_s),
            policy=RetryPolicy(max_retries=c.max_retries),
            cache=cache,
            cache_mode=self.mode,
            timeout_s=c.timeout_s,
            secrets=env_secrets(c.api_key_env),
            budget=self.budget,
        )

    def _manifest(self, run_dir: Path, started: str, run_id: str) -> dict[str, Any]:
        es = self.eval_set
        return {
            "schema_version": SCHEMA_VERSION,
            "run_id": run_id,
            "status": "running",
            "suite": self.suite_info.get("suite"),
            "config": self.suite_info.get("config"),
            "candidate": self.candidate.to_dict(),
            "base_dir": str(Path(self.candidate.base_dir).resolve()),
            "dataset": {
                "name": es.name,
                "path": str(es.path.resolve()) if es.path else None,
                "version": es.version,
                "cases": len(es),
            },
            "selection": es.selection.to_dict() if es.selection else None,
            **scorer_entries(self.scorers),  # "scorers" and "scorer_texts"
            "repeats": self.repeats,
            "cache": {
                "mode": self.mode,
                "used": self.counts.cache_on,
                "dir": str(Path(self.options.cache_dir or ".evalkit/cache").resolve()),
            },
            "max_cost_usd": self.options.max_cost_usd,
            **environment(es.path.parent if es.path else None),
            "started_at": started,
            "finished_at": None,
            "counts": self.counts.to_dict(),
        }

    # ------------------------------------------------------------------ run
    async def execute(self) -> Run:
        run_dir = self._run_dir()
        from evalkit.providers.base import PROVIDERS

        PROVIDERS.get(self.candidate.provider)  # an unknown provider is the first thing to say
        # Every case rendered now, none kept: a bad template fails before anything is paid for.
        requests = RunRequests(self.candidate, self.eval_set.cases)
        requests.check()
        done: set[tuple[str, int]] = set()
        previous: dict[str, Any] = {}
        if self.options.resume:
            state = load_resume(
                run_dir,
                candidate=self.candidate,
                eval_set=self.eval_set,
                scorers=self.scorers,
                repeats=self.repeats,
                cache_on=self.mode != "off",
                keep_records=self.options.keep_records,
                retry_errors=self.options.retry_errors,
            )
            done, self.counts, self.records, previous = (
                state.done,
                state.counts,
                state.records,
                state.manifest,
            )
            self.retry = state.retry
            self.retry_stats["errored"] = len(state.retry)
        elif (run_dir / RESULTS).exists() and (run_dir / RESULTS).stat().st_size > 0:
            raise RunError(
                f"{run_dir}: already holds a run; resume it with --resume {run_dir} "
                "(Python: RunOptions(out_dir=..., resume=True)) or choose another --out"
            )
        dispatcher = self._dispatcher()
        if dispatcher.cache is None:  # a replay file or a non-cacheable callable: no misses
            self.counts.cache_on, self.counts.cache_misses = False, 0
        started = previous.get("started_at") or _now()
        run_id = self.options.run_id or previous.get("run_id") or uuid.uuid4().hex[:12]
        manifest = self._manifest(run_dir, started, run_id)
        if previous:
            manifest["resumed_at"] = [*previous.get("resumed_at", []), _now()]
            if previous.get("rescored_from"):
                # a re-scored run resumed: its earlier records still are the re-scored ones
                manifest["rescored_from"] = previous["rescored_from"]
        if self.options.retry_errors:
            manifest["retry_errors"] = self.retry_stats
        manifest["counts"] = self._counts().to_dict()
        writer = RunWriter(run_dir)
        writer.write_manifest(manifest)
        writer.open()
        self.progress.skip(len(done))
        remaining = len(self.eval_set) * self.repeats - len(done)
        pool = ScoringPool(
            self.scorers, _scorer_processes(self.options.scorer_processes, remaining)
        )
        pairs = requests.pairs(self.repeats, done)
        status = "running"
        try:
            n_workers = max(1, min(dispatcher.limits.concurrency.max_limit, 1024))
            await all_or_none(
                [self._worker(pairs, requests, dispatcher, pool, writer) for _ in range(n_workers)]
            )
            left = self.counts.not_run or self.retry_stats["not_retried"]
            status = "incomplete" if left else "complete"
        except (asyncio.CancelledError, KeyboardInterrupt):
            status = "interrupted"
            raise
        except Exception:
            status = "aborted"
            raise
        finally:
            writer.close()
            manifest.update(
                status=status if status != "running" else "interrupted",
                finished_at=_now(),
                counts=self._counts().to_dict(),
                rate_limited=dispatcher.limits.concurrency.rate_limited,
                retries=dispatcher.retries,
            )
            judge = float(previous.get("judge_cost_usd") or 0.0) + self.budget.judge_spent
            manifest["judge_cost_usd"] = round(judge, 8)
            if self.budget.cap is not None:
                manifest["budget"] = self.budget.to_dict()
            if self.stopped is not None:
                if self.stopped["by"] == "budget":  # the figures once the last answer is in
                    self.stopped["reason"] = self.budget.stop_reason()
                manifest["stopped"] = self.stopped
            writer.write_manifest(manifest)
            if manifest["status"] == "interrupted" and (drain := current_drain()) is not None:
                drain.unfinished.append(run_dir)  # named by the KeyboardInterrupt
            await _close(dispatcher, pool, abort=status not in ("complete", "incomplete"))
        if self.options.keep_records:  # errored records not retried (budget) are still the run's
            self.records.extend(self.retry.values())
        return Run(path=run_dir, manifest=manifest, records=tuple(self.records))

    def _counts(self) -> Counts:
        """The run's totals as the file holds them: errored records awaiting their retry are
        still its latest records, so they count until replaced (a stop mid-retry stays right)."""
        return self.counts.plus(self.retry.values()) if self.retry else self.counts

    async def _worker(
        self,
        pairs: Iterator[tuple[int, int]],
        requests: RunRequests,
        dispatcher: Dispatcher,
        pool: ScoringPool,
        writer: RunWriter,
    ) -> None:
        """Run pairs until none is left. Each request is rendered as its pair is taken and
        dropped when :meth:`_pair` returns: a worker holds one rendered request at a time.
        After Ctrl-C it finishes a pair with an answer coming, takes none (engine_drain.py)."""
        drain = current_drain()
        for i, rep in pairs:
            if drain is not None and drain.requested:
                await drain.park()
            with drain.pair() if drain is not None else nullcontext():
                await self._pair(
                    self.eval_set.cases[i], requests.render(i, rep), dispatcher, pool, writer
                )

    async def _pair(
        self,
        case: Case,
        req: Request,
        dispatcher: Dispatcher,
        pool: ScoringPool,
        writer: RunWriter,
    ) -> None:
        """Answer, price, score and record one (case, repeat) pair, or leave it for resume."""
        rep = req.repeat
        budget = self.budget
        out = await dispatcher.obtain(req, allow_call=not self.exhausted)
        self._note_budget_stop()  # the budget may have refused this request
        retrying = (req.case_id, rep) in self.retry
        if out is not None and out.stop:
            if out.reserved is not None:
                budget.settle(out.reserved, None, None)
            # The provider will not answer for longer than evalkit waits (a spent daily
            # quota): asking on would fail every remaining case, one refusal at a time.
            # Send nothing new; this pair and the rest are left for --resume, like a budget.
            if self.stopped is None and out.error is not None:
                self.stopped = {"by": "provider", "reason": out.error.message}
            self.exhausted = True
            out = None
        if out is None:
            # A retried pair keeps its errored record, so it is not "left for resume".
            if retrying:
                self.retry_stats["not_retried"] += 1
            else:
                self.counts.not_run += 1
            return
        resp, cost = out.response, None
        scores: Mapping[str, Any] = {}
        if resp is not None:
            resp = with_usage(req, resp)
            cost, priced_as, price = price_answer(self._prices, req, resp)
        if out.reserved is not None:  # the reservation becomes the real price
            output = resp.usage.output_tokens if resp is not None else None
            budget.settle(out.reserved, cost, output)
        if resp is not None:
            if (drain := current_drain()) is not None:
                drain.commit()  # a judge may be called: an answer being scored is in flight
            ctx = ScoreContext(case, resp, req, self.summary, cost, priced_as, price)
            scores = await pool.score(ctx)
            budget.add_judge(judge_spending(scores))
        self._note_budget_stop()
        record = Record.from_response(
            request=req,
            candidate=self.candidate.name,
            fingerprint=self.fingerprint,
            response=resp,
            error=out.error,
            scores=scores,
            tags=case.tags,
            cost=cost,
            attempts=out.attempts,
            timestamp=_now(),
            skipped=() if resp is not None else self._not_applying(case),
            case_version=self.eval_set.case_versions.get(case.id, ""),
        )
        writer.append(record)
        self.counts.add(record)
        if retrying:
            del self.retry[record.key]
            self.retry_stats["retried"] += 1
            self.retry_stats["ok"] += record.ok
        if self.options.keep_records:
            self.records.append(record)
        u = record.usage
        self.progress.update(
            error=out.error is not None,
            cached=out.cached,
            tokens=(u.input_tokens or 0) + (u.output_tokens or 0),
            cost=cost,
        )

    def _note_budget_stop(self) -> None:
        """Once the cap is reached (by the candidate's or the judges' spending), send nothing
        new and say why."""
        if self.budget.exhausted and not self.exhausted:
            self.exhausted = True
            if self.stopped is None:
                self.stopped = {"by": "budget", "reason": self.budget.stop_reason()}

    def _not_applying(self, case: Case) -> tuple[str, ...]:
        """The scorers a provider error must not count against (``skip_missing``)."""
        return tuple(s.name for s in self.scorers if s.skips(case))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


async def _close(dispatcher: Dispatcher, pool: ScoringPool, *, abort: bool) -> None:
    """Close the provider, the scoring pool (bounded, never blocking the loop) and the cache;
    each is closed even if closing another fails."""
    try:
        await dispatcher.provider.aclose()
    finally:
        try:
            await pool.aclose(abort=abort)
        finally:
            if dispatcher.cache is not None:
                dispatcher.cache.close()
