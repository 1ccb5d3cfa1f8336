"""MLflow: the tracking server's registered models, and the tags of each model and of its
latest versions that name a serving target (`serving: triton`, `deploy_target: seldon`).
A model's last update is when its serving tool was last used, as far as MLflow says."""

from urllib.parse import urlencode

from apps.discovery.readers import Sighting, Signatures, SourceError, Sweep
from apps.lib.http import HttpError, fetch
from apps.probes.drivers.timestamps import to_utc

PAGE = 100
MAX_PAGES = 50  # 5,000 registered models


def _page(url: str, token: str, page_token: str) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    query = {"max_results": PAGE, **({"page_token": page_token} if page_token else {})}
    address = url.rstrip("/") + "/api/2.0/mlflow/registered-models/search?" + urlencode(query)
    try:
        answer = fetch("GET", address, headers=headers).json()
    except HttpError as error:
        raise SourceError(str(error)) from None
    if not isinstance(answer, dict):
        raise SourceError("registered-models/search: expected a JSON object")
    return answer


def tags(model: dict) -> list[tuple[str, str, str]]:
    """(where, key, value) of the model's tags and its latest versions' tags."""
    found = [("", tag.get("key"), tag.get("value")) for tag in listed(model.get("tags")) if isinstance(tag, dict)]
    for version in listed(model.get("latest_versions")):
        if isinstance(version, dict):
            found += [(f" version {version.get('version')}", tag.get("key"), tag.get("value"))
                      for tag in listed(version.get("tags")) if isinstance(tag, dict)]
    return [(where, key, value) for where, key, value in found if isinstance(key, str) and isinstance(value, str)]


def listed(value) -> list:
    return value if isinstance(value, list) else []


def read(url: str, signatures: Signatures, *, token: str = "") -> Sweep:
    sweep, page_token = Sweep(), ""
    for _ in range(MAX_PAGES):
        answer = _page(url, token, page_token)
        models = answer.get("registered_models") or []
        if not isinstance(models, list):
            raise SourceError("registered-models/search: expected registered_models to be a list")
        for model in models:
            if not isinstance(model, dict) or not isinstance(model.get("name"), str):
                continue
            try:
                used_at = to_utc(model.get("last_updated_timestamp"))
            except ValueError:
                used_at = None
            for where, key, value in tags(model):
                tool = signatures.named(value)
                if tool is not None:
                    sweep.sightings.append(Sighting(tool, f"registered model {model['name']}{where}: {key}={value}", used_at,
                                                    key=f"registered model {model['name']}"))
        page_token = answer.get("next_page_token") or ""
        if not isinstance(page_token, str) or not page_token:
            return sweep
    sweep.problems.append(f"more than {PAGE * MAX_PAGES:,} registered models; the rest were not read")
    return sweep
