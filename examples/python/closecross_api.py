"""The few lines every example shares: a requests session with the key, the API's errors, jobs.

Only the REST API: the base URL from CLOSECROSS_URL (default http://127.0.0.1:8080) and the API
key from CLOSECROSS_KEY, sent as `Authorization: Bearer <key>` on every request.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable, Iterator

import requests

DEFAULT_URL = "http://127.0.0.1:8080"
# 429 (rate limit) and 503 (database or store briefly away) say when to come back.
RETRIED_STATUSES = {429, 503}
FINISHED_JOB_STATUSES = {"succeeded", "failed", "cancelled"}


class ApiError(RuntimeError):
    """A 4xx or 5xx answer, carrying the API's own message (which names the field at fault)."""

    def __init__(self, method: str, path: str, status: int, message: str):
        super().__init__(f"{method} {path} answered {status}: {message}")
        self.method = method
        self.path = path
        self.status = status
        self.message = message


class RouteMissingError(ApiError):
    """The running system has no such route (404 from its router, not from a resource lookup)."""


class JobFailedError(RuntimeError):
    """A job ended failed or cancelled; `job` is its last status."""

    def __init__(self, job: dict[str, Any]):
        super().__init__(f"job {job['id']} ({job.get('kind')}) ended {job['status']}: {job.get('error')}")
        self.job = job


class Closecross:
    """One session against one running system."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, timeout: float = 60.0):
        self.base_url = (base_url or os.environ.get("CLOSECROSS_URL") or DEFAULT_URL).rstrip("/")
        key = api_key or os.environ.get("CLOSECROSS_KEY")
        if not key:
            raise SystemExit(
                "CLOSECROSS_KEY is not set: export an API key, e.g. "
                "export CLOSECROSS_KEY=$(node -p \"require('./.data/local-system.json').admin.api_key\")"
            )
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
                headers: dict[str, str] | None = None, stream: bool = False, attempts: int = 5) -> requests.Response:
        """Sends one request; retries 429 and 503 after their Retry-After; raises ApiError on any other 4xx/5xx."""
        url = f"{self.base_url}{path}"
        for attempt in range(1, attempts + 1):
            response = self.session.request(method, url, params=params, json=json, headers=headers, stream=stream, timeout=self.timeout)
            if response.status_code in RETRIED_STATUSES and attempt < attempts:
                time.sleep(_retry_after_seconds(response))
                continue
            if response.status_code >= 400:
                raise _error_of(method, path, response)
            return response
        raise AssertionError("unreachable")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return self.request("POST", path, json=body, headers=headers).json()

    def get_text(self, path: str, params: dict[str, Any] | None = None, accept: str | None = None) -> str:
        return self.request("GET", path, params=params, headers={"Accept": accept} if accept else None).text

    def download(self, path: str, destination: str, params: dict[str, Any] | None = None) -> str:
        """Streams a route's body to a file; answers the file's path."""
        with self.request("GET", path, params=params, stream=True) as response, open(destination, "wb") as file:
            for chunk in response.iter_content(chunk_size=1 << 16):
                file.write(chunk)
        return destination

    def pages(self, path: str, params: dict[str, Any], page_size: int = 50_000) -> Iterator[dict[str, Any]]:
        """Every row of a paged list (`page`, `page_size`, `total_pages`, `data`), page by page."""
        page = 1
        while True:
            answer = self.get(path, {**params, "page": page, "page_size": page_size})
            yield from answer["data"]
            if page >= answer["total_pages"]:
                return
            page += 1

    def wait_for_job(self, job_id: str, timeout: float = 600.0, poll: float = 0.5, show_progress: bool = True) -> dict[str, Any]:
        """Polls GET /jobs/{id} until the job ends; answers it when it succeeded, raises JobFailedError otherwise."""
        deadline = time.monotonic() + timeout
        last_line = None
        while True:
            job = self.get(f"/jobs/{job_id}")
            line = f"  job {job_id[:8]} {job['status']}: {job.get('stage') or ''} {round(100 * (job.get('progress') or 0))}%"
            if show_progress and line != last_line:
                print(line, file=sys.stderr)
                last_line = line
            if job["status"] in FINISHED_JOB_STATUSES:
                if job["status"] != "succeeded":
                    raise JobFailedError(job)
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout:.0f} s")
            time.sleep(poll)


def run_script(main: Callable[[], None]) -> None:
    """Runs a script's main: an API error ends it with the API's message (exit 1), a route this system lacks with exit 2."""
    try:
        main()
    except RouteMissingError as error:
        print(f"this system has no route {error.method} {error.path.split('?')[0]}: {error.message}", file=sys.stderr)
        sys.exit(2)
    except (ApiError, JobFailedError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)


def _retry_after_seconds(response: requests.Response) -> float:
    """Retry-After in seconds (1 when absent or a date), at most 30."""
    try:
        return min(max(float(response.headers.get("Retry-After") or 1), 0.0), 30.0)
    except ValueError:
        return 1.0


def _error_of(method: str, path: str, response: requests.Response) -> ApiError:
    try:
        message = response.json().get("message") or response.text
    except ValueError:
        message = response.text
    # The router's not-found answer says "No route for GET /x"; a missing resource names the resource.
    if response.status_code == 404 and message.startswith("No route for "):
        return RouteMissingError(method, path, response.status_code, message)
    return ApiError(method, path, response.status_code, message)
