"""The REST API: version 1 under /api/v1/, its OpenAPI 3 schema at /api/schema/ and the docs
that render it at /api/docs/. Operations are thin: they read with the pages' queries and
write through the pages' forms and services, so the same rules hold whichever way a change
comes in."""

from ninja import NinjaAPI, Swagger

from apps.api import catalog, errors, evaluations, findings, painpoints, reviews, stack
from apps.api.auth import reads

DESCRIPTION = """Stackledger's stack, pain points, evaluations, findings and reviews, for
scripts and dashboards.

**Authentication.** Send an API token as `Authorization: Bearer <token>`: a platform lead makes
one on the API tokens page (`/accounts/tokens/`), with the scope *read* or *read and write* and
an optional expiry. A token acts as the lead who made it, and stops working when it expires,
is revoked, or its maker is no longer a lead. Signed in to Stackledger, this page tries the
API with your session; its writes carry the CSRF token.

**Writes** go through the same rules as the pages: they need a write token (a read token gets
403) and the role the same page needs.

**Lists** come a page at a time: `limit` (25 by default, at most 100) and `offset`, with the
`count` of the whole list, in a stable order.

**Errors** are JSON of one shape, `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`:
`loc` names what is wrong, e.g. `["body", "evidence"]` or `["query", "limit"]`. 401: no live
token or session; 403: not allowed; 404: no such object; 409: a rule of the domain refuses the
change; 422: a parameter or field is invalid; 400: a body that is no JSON."""


class StackledgerAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__  # entry_list, painpoint_log, ...: unique in the API


api = StackledgerAPI(
    title="Stackledger API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
    auth=reads(),
)
errors.install(api)
for module in (stack, catalog, painpoints, evaluations, findings, reviews):
    api.add_router("/v1", module.router)
